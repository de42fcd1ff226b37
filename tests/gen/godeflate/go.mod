module covert.test/godeflate

go 1.26.0
