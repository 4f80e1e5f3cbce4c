module example.com/seawall-go

go 1.22
