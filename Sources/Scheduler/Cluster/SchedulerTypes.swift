import Scheduler

// The Scheduler module holds an enum also named Scheduler, so `Scheduler.X` cannot name its
// types; and KubeAPI has a Quantity and a LabelSelector of its own. This file imports the
// Scheduler module alone and names the scheduler's types without ambiguity.
typealias SchedulerQuantity = Quantity
typealias SchedulerLabelSelector = LabelSelector
typealias SchedulerEvent = WatchEvent
