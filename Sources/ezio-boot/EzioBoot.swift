import Appliance
import ArgumentParser
import CLI

/// The `ezio` of the network-boot image: every command but the gRPC daemon, so the image
/// carries no gRPC, HTTP/2 or TLS code (a smaller initrd, fetched by every client, and a
/// faster build). It is installed as /bin/ezio in the initramfs.
@main
struct EzioBoot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ezio",
        abstract: "Clone a disk to many machines at once over BitTorrent (EZIO in Swift; network-boot client).",
        version: EzioVersion.full,
        subcommands: CommandLineMain.clientCommands
    )

    /// Runs the command line.
    static func main() async {
        await CommandLineMain.run(EzioBoot.self, arguments: Array(CommandLine.arguments.dropFirst()))
    }
}
