// Command axiom-sign makes Ed25519 key pairs and manifest.sig files in the format Axiom
// packages are signed with (see internal/signature and docs/signing.md), so that users and tests
// can sign package directories for a source whose policy requires signatures.
//
//	axiom-sign -keygen NAME [-owner TEXT] [-email TEXT]
//	    writes NAME.key (secret, mode 0600) and NAME.pub (public), upstream's key files
//	axiom-sign -key NAME.key [-signer TEXT] [-timestamp UNIX] DIR...
//	    signs each package directory, writing DIR/manifest.sig
//	axiom-sign -verify NAME.pub DIR...
//	    verifies each package directory against the public key; exit status 1 if any fails
//
// A package directory is read by the same rules as a source scan (internal/archive): every
// regular file anywhere in it is signed, except manifest.sig itself; symbolic links cannot be
// signed in this format and are counted in the output.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// options are the parsed command line.
type options struct {
	keygen, owner, email string
	key, signer          string
	timestamp            int64
	verify               string
	dirs                 []string
}

// run is the command, returning its exit status: 0 success, 1 a package failed to verify, 2 a
// usage or operational error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "axiom-sign:", err)
		return 2
	}
	switch {
	case o.keygen != "":
		err = keygen(o, time.Now(), stdout)
	case o.key != "":
		err = signDirs(ctx, o, time.Now(), stdout)
	default:
		var failed bool
		failed, err = verifyDirs(ctx, o, time.Now(), stdout)
		if err == nil && failed {
			return 1
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "axiom-sign:", err)
		return 2
	}
	return 0
}

func parseArgs(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("axiom-sign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.keygen, "keygen", "", "generate a key pair: write `NAME`.key (mode 0600) and NAME.pub")
	fs.StringVar(&o.owner, "owner", "", "with -keygen: the key owner's name, written to NAME.pub")
	fs.StringVar(&o.email, "email", "", "with -keygen: the key owner's e-mail address, written to NAME.pub")
	fs.StringVar(&o.key, "key", "", "sign each DIR with this secret key `file`, writing DIR/manifest.sig")
	fs.StringVar(&o.signer, "signer", "", "with -key: the signer's name written to manifest.sig (not signed)")
	fs.Int64Var(&o.timestamp, "timestamp", -1, "with -key: the signing time in Unix seconds (default now)")
	fs.StringVar(&o.verify, "verify", "", "verify each DIR against this public key `file`")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: axiom-sign -keygen NAME | -key NAME.key DIR... | -verify NAME.pub DIR...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.dirs = fs.Args()
	modes := 0
	for _, s := range []string{o.keygen, o.key, o.verify} {
		if s != "" {
			modes++
		}
	}
	switch {
	case modes != 1:
		return o, errors.New("give exactly one of -keygen, -key and -verify")
	case o.keygen != "" && len(o.dirs) > 0:
		return o, errors.New("-keygen takes no directories")
	case o.keygen == "" && len(o.dirs) == 0:
		return o, errors.New("no package directories given")
	case o.keygen == "" && (o.owner != "" || o.email != ""):
		return o, errors.New("-owner and -email go with -keygen")
	case o.key == "" && (o.signer != "" || o.timestamp != -1):
		return o, errors.New("-signer and -timestamp go with -key")
	}
	return o, nil
}
