// The Go peer of `host-test-bench`: net/http's FileServer, as a Go user
// would write it, serving one directory. It prints the same
// "serving DIR on http://ADDR/" line as `host-test serve`, so the bench
// finds its address the same way.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
)

func main() {
	dir := flag.String("dir", ".", "directory to serve")
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	flag.Parse()
	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("serving %s on http://%s/\n", *dir, listener.Addr())
	os.Stdout.Sync()
	log.Fatal(http.Serve(listener, http.FileServer(http.Dir(*dir))))
}
