package main

// bulkheadScenario is filled in when the bulkhead lands in core.
func bulkheadScenario(clock *Clock) error { _ = clock; return nil }
