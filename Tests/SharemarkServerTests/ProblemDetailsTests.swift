import Foundation
import Testing
@testable import SharemarkServer

@Test func problemDetailsEncodeTheFourStandardMembers() throws {
    let problem = ProblemDetails(title: "Not Found", status: 404, detail: "no article world/n1")
    let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(problem)) as! [String: Any]
    #expect(Set(object.keys) == ["type", "title", "status", "detail"])
    #expect(object["status"] as? Int == 404)
}
