import Foundation
import PackagePlugin

/// Writes the git commit the binary is built from into the `BuildInfo` target, so
/// `ezio --version` names the exact source (a source tree without git says "unknown").
/// The file is rewritten only when the commit changes, so a build that changed nothing
/// recompiles nothing.
@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "Generated")
        let script = #"""
            dir="$1"; out="$2"; mkdir -p "$out"
            commit=$(git -C "$dir" rev-parse --short=12 HEAD 2>/dev/null) || commit=unknown
            if [ "$commit" != unknown ] && [ -n "$(git -C "$dir" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
                commit="$commit-dirty"
            fi
            new="// Written by BuildInfoPlugin at build time.
            extension BuildInfo { public static let commit = \"$commit\" }"
            if [ "$(cat "$out/BuildInfo+Commit.swift" 2>/dev/null)" != "$new" ]; then printf '%s\n' "$new" > "$out/BuildInfo+Commit.swift"; fi
            """#
        return [
            .prebuildCommand(
                displayName: "Recording the git commit",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, "sh", context.package.directoryURL.path, output.path],
                outputFilesDirectory: output),
        ]
    }
}
