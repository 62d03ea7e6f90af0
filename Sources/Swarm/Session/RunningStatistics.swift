/// Mean and standard deviation of a stream of samples (Welford), for request timeouts
/// derived from measured block times instead of a fixed constant.
struct RunningStatistics: Sendable {
    private(set) var count = 0
    private(set) var mean = 0.0
    private var squares = 0.0

    mutating func add(_ sample: Double) {
        count += 1
        let delta = sample - mean
        mean += delta / Double(count)
        squares += delta * (sample - mean)
    }

    var standardDeviation: Double { count > 1 ? (squares / Double(count - 1)).squareRoot() : 0 }
}
