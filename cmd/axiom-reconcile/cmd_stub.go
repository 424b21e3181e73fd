package main

// Placeholders replaced by the configuration work (validate, fmt).

import (
	"context"
	"errors"
	"flag"
)

func validateCommand() command {
	return command{name: "validate", args: "[-c DIR] [--json]", summary: "check the configuration",
		setFlags: func(fs *flag.FlagSet) func(context.Context, *globals, []string) error {
			return func(context.Context, *globals, []string) error { return errors.New("not implemented") }
		}}
}

func fmtCommand() command {
	return command{name: "fmt", args: "[-c DIR] [--check]", summary: "rewrite configuration files canonically",
		setFlags: func(fs *flag.FlagSet) func(context.Context, *globals, []string) error {
			return func(context.Context, *globals, []string) error { return errors.New("not implemented") }
		}}
}
