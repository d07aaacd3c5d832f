// go-peer: the preflight's check written with the official Azure SDK for Go, unmodified
// (azidentity WorkloadIdentityCredential + azkeys), as a user would write it. It is the peer the
// preflight benchmark compares against and the emulator's Go-SDK conformance test runs.
//
// Steps, in order, each printed as one JSON line {"step","ok","ms"[,"error"]}:
// getKey, encrypt (A256GCM, random AAD), decrypt (with the kid encrypt returned), negativeDecrypt
// (altered AAD must fail). Exit status 0 only if every step passed.
//
// Environment: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE (read by the
// credential), HTTPS_PROXY and SSL_CERT_FILE (read by Go's HTTP stack), AZURE_KEYVAULT_URL (or
// SPIRL_KEYWRAP_AZURE_KEY_VAULT_URL) and SPIRL_KEYWRAP_AZURE_KEY_NAME.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
)

type stepResult struct {
	Step  string `json:"step"`
	OK    bool   `json:"ok"`
	Ms    int64  `json:"ms"`
	Error string `json:"error,omitempty"`
}

func main() {
	started := time.Now()
	ok := run()
	fmt.Printf("{\"step\":\"total\",\"ok\":%t,\"ms\":%d}\n", ok, time.Since(started).Milliseconds())
	if !ok {
		os.Exit(1)
	}
}

func env(names ...string) string {
	for _, name := range names {
		if value := os.Getenv(name); value != "" {
			return value
		}
	}
	return ""
}

func report(step string, started time.Time, err error) bool {
	result := stepResult{Step: step, OK: err == nil, Ms: time.Since(started).Milliseconds()}
	if err != nil {
		result.Error = strings.ReplaceAll(err.Error(), "\n", " ")
	}
	line, _ := json.Marshal(result)
	fmt.Println(string(line))
	return err == nil
}

func run() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	vaultURL := strings.TrimSuffix(env("SPIRL_KEYWRAP_AZURE_KEY_VAULT_URL", "AZURE_KEYVAULT_URL"), "/")
	keyName := env("SPIRL_KEYWRAP_AZURE_KEY_NAME")

	started := time.Now()
	credential, err := azidentity.NewWorkloadIdentityCredential(nil)
	if !report("credential", started, err) {
		return false
	}
	client, err := azkeys.NewClient(vaultURL, credential, nil)
	if !report("client", started, err) {
		return false
	}

	started = time.Now()
	key, err := client.GetKey(ctx, keyName, "", nil)
	if err == nil && (key.Attributes == nil || key.Attributes.Enabled == nil || !*key.Attributes.Enabled) {
		err = errors.New("the key is not enabled")
	}
	if !report("getKey", started, err) {
		return false
	}

	plaintext := make([]byte, 32)
	aad := make([]byte, 16)
	_, _ = rand.Read(plaintext)
	_, _ = rand.Read(aad)
	started = time.Now()
	encrypted, err := client.Encrypt(ctx, keyName, "", azkeys.KeyOperationParameters{
		Algorithm:                   to.Ptr(azkeys.EncryptionAlgorithmA256GCM),
		Value:                       plaintext,
		AdditionalAuthenticatedData: aad,
	}, nil)
	if err == nil && (encrypted.KID == nil || encrypted.KID.Version() == "") {
		err = errors.New("encrypt returned no versioned kid")
	}
	if !report("encrypt", started, err) {
		return false
	}

	// Decrypt with exactly the version encrypt used, as a stored record would.
	decryptWith := func(aadUsed []byte) ([]byte, error) {
		result, err := client.Decrypt(ctx, encrypted.KID.Name(), encrypted.KID.Version(), azkeys.KeyOperationParameters{
			Algorithm:                   to.Ptr(azkeys.EncryptionAlgorithmA256GCM),
			Value:                       encrypted.Result,
			IV:                          encrypted.IV,
			AuthenticationTag:           encrypted.AuthenticationTag,
			AdditionalAuthenticatedData: aadUsed,
		}, nil)
		return result.Result, err
	}
	started = time.Now()
	decrypted, err := decryptWith(aad)
	if err == nil && !bytes.Equal(decrypted, plaintext) {
		err = errors.New("decrypt returned other bytes than were encrypted")
	}
	if !report("decrypt", started, err) {
		return false
	}

	started = time.Now()
	altered := bytes.Clone(aad)
	altered[0] ^= 1
	_, err = decryptWith(altered)
	// Only the HSM refusing the tag (400) proves the AAD is authenticated; a transport error proves nothing.
	var refused *azcore.ResponseError
	switch {
	case err == nil:
		err = errors.New("decrypt with altered AAD succeeded")
	case errors.As(err, &refused) && refused.StatusCode == 400:
		err = nil
	default:
		err = fmt.Errorf("decrypt with altered AAD failed, but not as a refused tag: %w", err)
	}
	return report("negativeDecrypt", started, err)
}
