package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"github.com/axiom-reconcile/axiom-reconcile/internal/progress"
	"github.com/axiom-reconcile/axiom-reconcile/reconcile"
)

// Exit codes; the one place they are decided is exitCode.
const (
	exitOK        = 0
	exitFailure   = 1
	exitChanges   = 2  // plan --detailed-exitcode found changes
	exitLockHeld  = 75 // EX_TEMPFAIL: the global lock stayed held past --lock-timeout
	exitCancelled = 130
)

// env is what a run may touch of its process: streams, environment, signals. Tests give their own.
type env struct {
	stdout, stderr io.Writer
	stdin          io.Reader
	getenv         func(string) string
	// stderrIsTerminal picks the default log format.
	stderrIsTerminal bool
	// stdoutIsTerminal allows color on stdout (see color.go); noColor is --no-color.
	stdoutIsTerminal, noColor bool
	// notify subscribes to OS signals (signal.Notify in production).
	notify func(c chan<- os.Signal, sig ...os.Signal)
	stop   func(c chan<- os.Signal)
	// store is what every command reaches the ZFS store through: the real zfs command and clock
	// in production (realStore), the in-memory model in the command-line script tests. It is the
	// one place they are chosen.
	store func(log zerolog.Logger) storeAccess
}

func osEnv() *env {
	return &env{
		stdout:           os.Stdout,
		stderr:           os.Stderr,
		stdin:            os.Stdin,
		getenv:           os.Getenv,
		stderrIsTerminal: isatty.IsTerminal(os.Stderr.Fd()),
		stdoutIsTerminal: isatty.IsTerminal(os.Stdout.Fd()),
		notify:           signal.Notify,
		stop:             signal.Stop,
		store:            realStore,
	}
}

// command is one subcommand. run returns an error for the exit-code switch; it prints its own
// output to g.env.stdout.
type command struct {
	name     string
	args     string // synopsis after the name
	summary  string
	help     string // longer text for `axiom-reconcile help NAME`
	setFlags func(fs *flag.FlagSet) func(ctx context.Context, g *globals, args []string) error
}

// commands lists every subcommand, in the order help shows them.
func commands() []command {
	return []command{
		validateCommand(),
		fmtCommand(),
		planCommand(),
		applyCommand(),
		watchCommand(),
		statusCommand(),
		gcCommand(),
		rollbackCommand(),
		diffCommand(),
		historyCommand(),
		completionCommand(),
		manCommand(),
	}
}

// globals are the flags every subcommand accepts, and what they build.
type globals struct {
	env        *env
	logLevel   string
	logFormat  string
	lockFile   string
	gcLockFile string
	cacheDir   string
	noColor    bool
	progress   progress.Reporter // how long work is shown (setupTerminal)
	log        zerolog.Logger
}

func (g *globals) register(fs *flag.FlagSet) {
	fs.StringVar(&g.logLevel, "log-level", "info", "log at `LEVEL`: debug, info, warn, error")
	fs.StringVar(&g.logFormat, "log-format", "", "log in `FORMAT`: json or console (default console when stderr is a terminal, else json)")
	fs.StringVar(&g.lockFile, "lock-file", "/var/run/axiom-reconcile.lock", "the global lock is `PATH` (never unlinked; its owner is in PATH.owner)")
	fs.StringVar(&g.gcLockFile, "gc-lock-file", "/var/run/axiom-gc.lock", "upstream axiom's GC lock is `PATH`, held while mutating")
	fs.BoolVar(&g.noColor, "no-color", false, "never color the output (NO_COLOR=1 does the same; there is no color when output is not a terminal)")
	fs.StringVar(&g.cacheDir, "cache-dir", defaultCacheDir(g.env), "keep the source scan cache in `DIR`, so an unchanged source is not read again (\"\": no cache)")
}

func (g *globals) setup() error {
	lvl, err := zerolog.ParseLevel(g.logLevel)
	if err != nil || g.logLevel == "" {
		return usageError{fmt.Errorf("--log-level %q: want debug, info, warn or error", g.logLevel)}
	}
	g.env.noColor = g.noColor
	var w io.Writer = g.env.stderr
	switch g.logFormat {
	case "":
		if g.env.stderrIsTerminal {
			w = zerolog.ConsoleWriter{Out: g.env.stderr}
		}
	case "console":
		w = zerolog.ConsoleWriter{Out: g.env.stderr, NoColor: !g.env.stderrIsTerminal}
	case "json":
	default:
		return usageError{fmt.Errorf("--log-format %q: want json or console", g.logFormat)}
	}
	g.log = zerolog.New(w).Level(lvl).With().Timestamp().Logger()
	g.setupTerminal()
	return nil
}

// usageError marks a command line mistake; it is reported with a pointer to help.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// codeError carries an exit code chosen by a command (for example 2 for pending changes) and, if
// err is set, a message for stderr.
type codeError struct {
	code int
	err  error
}

func (e codeError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}
func (e codeError) Unwrap() error { return e.err }

// errReported means the command already told the user what went wrong (diagnostics, say).
var errReported = errors.New("reported")

func run(ctx context.Context, args []string, e *env) int {
	ctx, stop := signalContext(ctx, e)
	defer stop()

	cmds := commands()
	if len(args) == 0 || slices.Contains([]string{"-h", "-help", "--help", "help"}, args[0]) {
		if len(args) > 1 {
			if c, ok := findCommand(cmds, args[1]); ok {
				printCommandHelp(e.stdout, c)
				return exitOK
			}
		}
		printUsage(e.stdout, cmds)
		if len(args) == 0 {
			return exitFailure
		}
		return exitOK
	}
	if args[0] == "version" || args[0] == "--version" {
		fmt.Fprintln(e.stdout, "axiom-reconcile", buildVersion())
		return exitOK
	}
	c, ok := findCommand(cmds, args[0])
	if !ok {
		fmt.Fprintf(e.stderr, "axiom-reconcile: unknown command %q%s\nRun 'axiom-reconcile help' for the list.\n", args[0], suggest(args[0], cmds))
		return exitFailure
	}
	g := &globals{env: e}
	fs := flag.NewFlagSet("axiom-reconcile "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	g.register(fs)
	body := c.setFlags(fs)
	pos, err := parseInterleaved(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		printCommandHelp(e.stdout, c)
		return exitOK
	}
	if err == nil {
		err = g.setup()
	}
	if err == nil {
		err = body(ctx, g, pos)
	}
	return exitCode(e, c, err)
}

// exitCode is the one place errors become exit codes and final messages.
func exitCode(e *env, c command, err error) int {
	var ee codeError
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		if ee.err != nil && !errors.Is(ee.err, errReported) {
			fmt.Fprintf(e.stderr, "axiom-reconcile %s: %v\n", c.name, ee.err)
		}
		return ee.code
	case errors.Is(err, errReported):
		return exitFailure
	case isLocked(err):
		fmt.Fprintf(e.stderr, "axiom-reconcile %s: %v\n", c.name, err)
		return exitLockHeld
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "axiom-reconcile %s: %v\nRun 'axiom-reconcile help %s' for usage.\n", c.name, ue.err, c.name)
		return exitFailure
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(e.stderr, "axiom-reconcile %s: interrupted\n", c.name)
		return exitCancelled
	default:
		// A plan that failed says its warnings here; one that was made shows them itself.
		for _, w := range reconcile.Warnings(nil, err) {
			fmt.Fprintf(e.stderr, "Warning: %s\n", w)
		}
		fmt.Fprintf(e.stderr, "axiom-reconcile %s: %v\n", c.name, err)
		return exitFailure
	}
}

// signalContext cancels ctx on SIGINT or SIGTERM. Commands check ctx between steps and never
// abandon a step they started, so an interrupted apply stops at a clean point.
func signalContext(parent context.Context, e *env) (context.Context, func()) {
	ctx, cancel := context.WithCancel(parent)
	if e.notify == nil {
		return ctx, cancel
	}
	ch := make(chan os.Signal, 1)
	e.notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-ch:
			cancel()
		case <-done:
		}
	}()
	return ctx, func() {
		e.stop(ch)
		close(done)
		cancel()
	}
}

// parseInterleaved parses flags that may come before, between or after positional arguments
// (`rollback dev --to 3` as well as `rollback --to 3 dev`).
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func findCommand(cmds []command, name string) (command, bool) {
	for _, c := range cmds {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func suggest(name string, cmds []command) string {
	for _, c := range cmds {
		if strings.HasPrefix(c.name, name) || strings.HasPrefix(name, c.name) {
			return fmt.Sprintf(" (did you mean %q?)", c.name)
		}
	}
	return ""
}

const exitStatusHelp = `EXIT STATUS
  0   success (for plan --detailed-exitcode: no changes)
  1   error, including invalid configuration
  2   plan --detailed-exitcode: changes are pending
  75  the global lock is held by another process and --lock-timeout ran out
  130 interrupted
`

func printUsage(w io.Writer, cmds []command) {
	fmt.Fprintf(w, "axiom-reconcile: declarative reconciler for Axiom ZFS package stores\n\nUSAGE\n  axiom-reconcile COMMAND [flags]\n\nCOMMANDS\n")
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'axiom-reconcile help COMMAND' for a command's flags.\n\n%s", exitStatusHelp)
}

func printCommandHelp(w io.Writer, c command) {
	fmt.Fprintf(w, "USAGE\n  axiom-reconcile %s %s\n\n%s\n", c.name, c.args, c.summary)
	if c.help != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.help))
	}
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	var g globals
	c.setFlags(fs) // registers the command's flags; what it returns is not run
	fmt.Fprintf(w, "\nFLAGS\n")
	printFlags(w, fs)
	gfs := flag.NewFlagSet("global", flag.ContinueOnError)
	g.register(gfs)
	fmt.Fprintf(w, "\nGLOBAL FLAGS\n")
	printFlags(w, gfs)
	fmt.Fprintf(w, "\n%s", exitStatusHelp)
}

// printFlags lists flags as the usage lines and the README spell them (--name, and -c for a
// one-letter name; the flag package accepts either dash count), each with its value's
// placeholder, its help, and its default where it has one the help does not already give.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		dash := "--"
		if len(f.Name) == 1 {
			dash = "-"
		}
		arg, usage := flag.UnquoteUsage(f)
		if arg != "" {
			arg = " " + arg
		}
		switch def := f.DefValue; {
		case def == "" || def == "false" || def == "0" || def == "0s" || strings.Contains(usage, "(default"):
		case fmt.Sprintf("%T", f.Value) == "*flag.stringValue": // quoted, as the flag package does
			usage += fmt.Sprintf(" (default %q)", def)
		default:
			usage += fmt.Sprintf(" (default %s)", def)
		}
		fmt.Fprintf(w, "  %s%s%s\n    \t%s\n", dash, f.Name, arg, usage)
	})
}
