import Foundation
import SharemarkQROptions

/// The URLs a configuration makes and recognises: mirror URLs and QR image URLs of archive paths.
extension ArchiveConfig {
    /// The canonical mirror URL of an archive path, the path percent-encoded
    /// (`PageAddress.encoded`); nil when the repository is unknown.
    public func mirrorURL(path: String) -> String? {
        guard knowsRepository else { return nil }
        return mirrorForm.render(owner: owner, repository: repository, branch: branch, path: PageAddress.encoded(path))
    }

    /// The canonical URL of a QR image in `form`; nil when the repository is unknown.
    public func imageURL(path: String, form: ImageLinkForm) -> String? {
        guard knowsRepository else { return nil }
        let template = form == .cdn ? cdnForm : mirrorForm
        return template.render(owner: owner, repository: repository, branch: branch, path: PageAddress.encoded(path))
    }

    /// The canonical URL of a QR image in the archive's form; nil when the repository is
    /// unknown or the form undecided.
    public func imageURL(path: String) -> String? {
        imageLinkForm.flatMap { imageURL(path: path, form: $0) }
    }

    /// The form of an image URL as written: `cdn_url`'s, `mirror_url`'s, or neither.
    public func imageLinkForm(of url: String) -> ImageLinkForm? {
        if cdnForm.match(url) != nil { return .cdn }
        if mirrorForm.match(url) != nil { return .blob }
        return nil
    }

    /// Whether a repository name is this archive's, under its current or an old name.
    public func isOwnRepository(owner: String, repository: String) -> Bool {
        owner.lowercased() == self.owner.lowercased()
            && (repository == self.repository || aliases.contains(repository))
    }
}
