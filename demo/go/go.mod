module example.com/seawall-demo-go

go 1.22

require github.com/seawall-rs/seawall/bindings-go v0.0.0

replace github.com/seawall-rs/seawall/bindings-go => ../../bindings-go
