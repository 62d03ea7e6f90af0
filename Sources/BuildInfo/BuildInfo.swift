/// Facts about the build, written by BuildInfoPlugin (`commit`: the git commit, with
/// `-dirty` when tracked files differ from it, or "unknown" outside a git checkout).
public enum BuildInfo {}
