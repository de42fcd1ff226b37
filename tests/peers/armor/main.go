// armor-peer runs age v1.3.1's armor package (filippo.io/age/armor) on
// stdin, so the test vector generator can ask the reference what it does:
//
//	armor-peer enc   armor stdin to stdout (NewWriter, then Close)
//	armor-peer dec   de-armor stdin (NewReader + io.ReadAll); prints one
//	                 line "ok <sha256>" or "armor <sha256 of bytes released
//	                 before the error>", or exits 2 on any other error
package main

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"

	"filippo.io/age/armor"
)

func enc() error {
	w := armor.NewWriter(os.Stdout)
	if _, err := io.Copy(w, os.Stdin); err != nil {
		return err
	}
	return w.Close()
}

func dec() error {
	data, err := io.ReadAll(armor.NewReader(os.Stdin))
	sum := sha256.Sum256(data)
	var aerr *armor.Error
	switch {
	case err == nil:
		fmt.Printf("ok %x\n", sum)
	case errors.As(err, &aerr):
		fmt.Printf("armor %x\n", sum)
	default:
		return err
	}
	return nil
}

func main() {
	var err error
	switch {
	case len(os.Args) == 2 && os.Args[1] == "enc":
		err = enc()
	case len(os.Args) == 2 && os.Args[1] == "dec":
		err = dec()
	default:
		err = errors.New("usage: armor-peer enc|dec")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "armor-peer:", err)
		os.Exit(2)
	}
}
