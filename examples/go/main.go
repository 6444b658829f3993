// The app behind the sidecar: no sign-in code at all. The sidecar in the same pod has already
// authenticated the user and passes who they are in request headers.
package main

import (
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		user := r.Header.Get("X-Auth-Request-User")
		if user == "" {
			user = r.Header.Get("X-Forwarded-User")
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		fmt.Fprintf(w, "Hello, %s! (Go net/http)\n", user)
	})
	// Loopback only: the sidecar is the one way in.
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on http://%s", ln.Addr())
	log.Fatal(http.Serve(ln, nil))
}
