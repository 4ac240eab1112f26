/// The two timers every watch runs, whether the watch cache or the store serves it: the end of
/// `timeoutSeconds`, and a bookmark every `bookmarkInterval`. Cancel them when the watch ends.
struct WatchTimers: Sendable {
    private let tasks: [Task<Void, Never>]

    /// Starts the timers. `finish` ends the watch when the timeout passes; `bookmark` sends one
    /// bookmark and returns false once the watch is gone (which stops the bookmarks).
    init(timeout: Duration?, bookmarkInterval: Duration?, finish: @escaping @Sendable () -> Void, bookmark: @escaping @Sendable () -> Bool) {
        var tasks: [Task<Void, Never>] = []
        if let timeout {
            tasks.append(Task {
                try? await Task.sleep(for: timeout)
                finish()
            })
        }
        if let interval = bookmarkInterval {
            tasks.append(Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    if Task.isCancelled || !bookmark() { return }
                }
            })
        }
        self.tasks = tasks
    }

    /// Stops both timers.
    func cancel() {
        for task in tasks { task.cancel() }
    }
}
