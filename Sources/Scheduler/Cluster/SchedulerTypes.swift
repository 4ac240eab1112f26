import Scheduler

// The Scheduler module holds an enum also named Scheduler, so `Scheduler.X` cannot name its
// types. This file imports the Scheduler module alone and names the scheduler's types without
// ambiguity. (Quantity and LabelSelector live in KubeTypes, shared with KubeAPI.)
typealias SchedulerEvent = WatchEvent
