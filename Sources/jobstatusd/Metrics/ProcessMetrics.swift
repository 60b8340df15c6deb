import Foundation
import Metrics

/// The standard `process_*` metrics of Prometheus client libraries, read from `/proc/self`
/// (the unit's `ProcSubset=pid` keeps that readable).
struct ProcessMetrics {
    private var lastCPUSeconds = 0.0
    private let cpu = FloatingPointCounter(label: "process_cpu_seconds_total")
    private let resident = Gauge(label: "process_resident_memory_bytes")
    private let virtual = Gauge(label: "process_virtual_memory_bytes")
    private let openFDs = Gauge(label: "process_open_fds")
    private let maxFDs = Gauge(label: "process_max_fds")
    private let startTime = Gauge(label: "process_start_time_seconds")
    private let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
    private let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))

    init() {
        if let started = Self.startSeconds(ticksPerSecond: ticksPerSecond) { startTime.record(started) }
    }

    mutating func publish() {
        if let fields = Self.statFields() {
            // Fields after the command name: utime is 14th, stime 15th, vsize 23rd, rss 24th of stat(5).
            let cpuSeconds = ((Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)) / ticksPerSecond
            if cpuSeconds > lastCPUSeconds {
                cpu.increment(by: cpuSeconds - lastCPUSeconds)
                lastCPUSeconds = cpuSeconds
            }
            virtual.record(Double(fields[20]) ?? 0)
            resident.record((Double(fields[21]) ?? 0) * pageSize)
        }
        openFDs.record((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0)
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 { maxFDs.record(Double(limit.rlim_cur)) }
    }

    /// `/proc/self/stat` from the state field on (the command name may hold spaces).
    private static func statFields() -> [Substring]? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 21 ? fields : nil
    }

    private static func startSeconds(ticksPerSecond: Double) -> Double? {
        guard let fields = statFields(), let ticks = Double(fields[19]),
            let uptime = try? String(contentsOfFile: "/proc/uptime", encoding: .utf8),
            let uptimeSeconds = Double(uptime.split(separator: " ").first ?? "")
        else { return nil }
        let bootTime = Date().timeIntervalSince1970 - uptimeSeconds
        return bootTime + ticks / ticksPerSecond
    }
}
