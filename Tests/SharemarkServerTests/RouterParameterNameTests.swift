import Hummingbird
import Testing

/// Why the article routes share the name of their first parameter: Hummingbird's router takes
/// two names at one position as two routes where the first hides the second (its validation,
/// run when a debug build makes the responder, stops there). Should this change, the id-only
/// route can name its parameter `id`.
@Test func routerRefusesTwoParameterNamesAtOnePosition() throws {
    let router = Router()
    router.get("/v1/articles/:id") { _, _ in "id" }
    router.get("/v1/articles/:category/:id") { _, _ in "category and id" }
    #expect(throws: RouterValidationError.self) { try router.validate() }
}
