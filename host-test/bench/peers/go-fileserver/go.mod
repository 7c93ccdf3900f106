module go-fileserver

go 1.19
