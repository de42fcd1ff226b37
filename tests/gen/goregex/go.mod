module covert/tests/gen/goregex

go 1.22
