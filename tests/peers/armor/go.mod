module covert.test/armor-peer

go 1.24.0

require filippo.io/age v1.3.1
