module example.com/seawall-bench-go

go 1.26.0

require (
	github.com/seawall-rs/seawall/bindings-go v0.0.0
	github.com/sony/gobreaker/v2 v2.4.0
	golang.org/x/time v0.16.0
)

replace github.com/seawall-rs/seawall/bindings-go => ../../bindings-go
