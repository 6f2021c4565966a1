package main

// Token format, matched to distribution v3.1.2 registry/auth/token:
//   - JWS compact, header {"alg":"ES256","typ":"JWT","kid":<thumbprint>} and,
//     with --x5c, also "x5c":[signing cert]. distribution trusts the key in
//     two ways: with x5c it verifies the chain against rootcertbundle; without
//     it looks kid up among the rootcertbundle keys, indexed by its own
//     GetJWKThumbprint (RFC 7638 shape, but coordinates are big.Int.Bytes(),
//     i.e. leading zero bytes dropped; copied below so kid always matches).
//   - claims iss (must equal auth.token.issuer), sub, aud (= the service the
//     client asked for, must equal auth.token.service), exp/nbf/iat (distribution
//     allows 60 s leeway on exp and nbf), jti, access [{type,name,actions}].

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"time"
)

type access struct {
	Type    string   `json:"type"`
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

type claims struct {
	Issuer     string    `json:"iss"`
	Subject    string    `json:"sub"`
	Audience   string    `json:"aud"`
	Expiration int64     `json:"exp"`
	NotBefore  int64     `json:"nbf"`
	IssuedAt   int64     `json:"iat"`
	JWTID      string    `json:"jti"`
	Access     []*access `json:"access"`
}

type signer struct {
	key     *ecdsa.PrivateKey
	certDER []byte
	kid     string
	x5c     bool
}

// newSigner makes a fresh P-256 key and a self-signed certificate for it; the
// certificate is what distribution's rootcertbundle must contain.
func newSigner(x5c bool) (*signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "orasd test token signer"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(10 * 365 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	return &signer{key: key, certDER: der, kid: distributionThumbprint(&key.PublicKey), x5c: x5c}, nil
}

func (s *signer) writeCert(path string) error {
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.certDER})
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, pemBytes, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func (s *signer) sign(c *claims) (string, error) {
	header := map[string]any{"alg": "ES256", "typ": "JWT", "kid": s.kid}
	if s.x5c {
		header["x5c"] = []string{base64.StdEncoding.EncodeToString(s.certDER)}
	}
	hb, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	cb, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	input := enc.EncodeToString(hb) + "." + enc.EncodeToString(cb)
	digest := sha256.Sum256([]byte(input))
	r, sv, err := ecdsa.Sign(rand.Reader, s.key, digest[:])
	if err != nil {
		return "", err
	}
	// JWS ES256 wants fixed-width r||s, not ASN.1.
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	sv.FillBytes(sig[32:])
	return input + "." + enc.EncodeToString(sig), nil
}

func distributionThumbprint(pub *ecdsa.PublicKey) string {
	enc := base64.RawURLEncoding
	jwk := fmt.Sprintf(`{"crv":"%s","kty":"EC","x":"%s","y":"%s"}`,
		pub.Params().Name, enc.EncodeToString(pub.X.Bytes()), enc.EncodeToString(pub.Y.Bytes()))
	sum := sha256.Sum256([]byte(jwk))
	return enc.EncodeToString(sum[:])
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
