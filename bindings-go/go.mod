module github.com/seawall-rs/seawall/bindings-go

go 1.22
