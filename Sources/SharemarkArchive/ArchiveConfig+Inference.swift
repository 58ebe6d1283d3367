import Foundation
import SharemarkQROptions

extension ArchiveConfig {
    /// Infers owner, repository and branch by majority over the mirror URLs seen in the pages'
    /// footers (other repository names of the same owner become aliases), the image link form
    /// by majority over the footers' image URLs (none: the CDN form; a tie: undecided), and the
    /// footer style by majority over the footers' styles (ties go to the first in the list).
    /// With no mirror URL at all, owner and repository stay empty: unknown, not invented.
    public static func inferred(from mirrors: [(owner: String, repository: String, branch: String, count: Int)],
                                imageLinks: [ImageLinkForm: Int] = [:],
                                styles: [(style: FooterStyle, count: Int)] = []) -> ArchiveConfig {
        var config = ArchiveConfig(owner: "", repository: "", source: .defaults)
        let cdn = imageLinks[.cdn] ?? 0, blob = imageLinks[.blob] ?? 0
        config.imageLinkForm = cdn > blob ? .cdn : blob > cdn ? .blob : cdn == 0 ? .cdn : nil
        if let best = styles.enumerated().max(by: { $0.element.count < $1.element.count || ($0.element.count == $1.element.count && $0.offset > $1.offset) }) {
            config.footerStyle = best.element.style
        }
        var owners: [String: Int] = [:]
        for m in mirrors { owners[m.owner, default: 0] += m.count }
        guard let owner = owners.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) })?.key else {
            return config
        }
        var repositories: [String: Int] = [:], branches: [String: Int] = [:]
        for m in mirrors where m.owner == owner {
            repositories[m.repository, default: 0] += m.count
            branches[m.branch, default: 0] += m.count
        }
        func best(_ d: [String: Int]) -> String {
            d.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) })!.key
        }
        let repository = best(repositories)
        config.owner = owner
        config.repository = repository
        config.branch = best(branches)
        config.aliases = repositories.keys.filter { $0 != repository }.sorted()
        config.source = .inferred
        return config
    }
}
