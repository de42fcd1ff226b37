// Command tagtest_keys prints the private keys of age's test plugin
// age-plugin-tagtest (filippo.io/age/tag/internal/tagtest derives them with
// HPKE DeriveKeyPair from the string "age-plugin-tagtest"), computed with Go's
// crypto/hpke (the same code as filippo.io/hpke v0.4.0). covert's tests use
// them to open tag stanzas that age 1.3.1 wrote. Run by gen_pq_vectors.sh.
package main

import (
	"crypto/ecdh"
	"crypto/hpke"
	"fmt"
	"log"
)

func main() {
	ikm := []byte("age-plugin-tagtest")
	c, err := hpke.DHKEM(ecdh.P256()).DeriveKeyPair(ikm)
	if err != nil {
		log.Fatal(err)
	}
	h, err := hpke.MLKEM768P256().DeriveKeyPair(ikm)
	if err != nil {
		log.Fatal(err)
	}
	cb, err := c.Bytes()
	if err != nil {
		log.Fatal(err)
	}
	hb, err := h.Bytes()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("classic_sk: %x\nclassic_pk: %x\nhybrid_seed: %x\nhybrid_pk: %x\n",
		cb, c.PublicKey().Bytes(), hb, h.PublicKey().Bytes())
}
