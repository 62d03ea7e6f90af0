// What every libFuzzer target (scripts/fuzz) checks its parser's answers with.

/// One line a terminal shows as it is: no line breaks, escapes or other control characters.
public func isOneLine(_ text: String) -> Bool {
    !text.isEmpty && !text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
}

/// Stops with the broken invariant (libFuzzer keeps the input as a crash); the message names
/// the target's file and line.
public func require(_ condition: @autoclosure () -> Bool, _ what: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("invariant: \(what())", file: file, line: line) }
}

/// A parser's error is one line that names the problem.
public func requireOneLine(_ error: some Error, file: StaticString = #fileID, line: UInt = #line) {
    let text = "\(error)"
    require(isOneLine(text), "error is not one line: \(text)", file: file, line: line)
}
