// The Go comparator: an echo server on Go's net package (one goroutine per
// connection, blocking-style Read/Write over Go's own netpoller). Run with
// GOMAXPROCS=1 so it uses one core, as the Node servers do.
//
//   server PATH [unix|unixpacket]   prints "ready" once listening
package main

import (
	"fmt"
	"net"
	"os"
	"syscall"
)

func serve(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 65536)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		if _, err := c.Write(buf[:n]); err != nil {
			return
		}
	}
}

func main() {
	if len(os.Args) < 2 || len(os.Args) > 3 {
		fmt.Fprintln(os.Stderr, "usage: server PATH [unix|unixpacket]")
		os.Exit(2)
	}
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) == nil {
		rl.Cur = rl.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
	}
	path := os.Args[1]
	os.Remove(path)
	network := "unix"
	if len(os.Args) == 3 {
		network = os.Args[2]
	}
	l, err := net.Listen(network, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("ready")
	for {
		c, err := l.Accept()
		if err != nil {
			continue
		}
		go serve(c)
	}
}
