import ArgumentParser

@main
struct Sharemark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sharemark",
        abstract: "Share links and QR codes for the pages of a Markdown mirror archive.",
        version: "0.1.0",
        subcommands: [
            IndexCommand.self, LookupCommand.self, SearchCommand.self, RegenCommand.self,
            VerifyCommand.self, ServeCommand.self, QRCommand.self, ExportCommand.self,
            InitCommand.self, FixCommand.self,
        ])
}
