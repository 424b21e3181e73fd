package zfs

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rs/zerolog"
)

// CLI implements Client by running the zfs command. It is safe for concurrent use.
type CLI struct {
	log      zerolog.Logger
	zfsBin   string
	zpoolBin string
	props    []string // user properties Observe reads; nil: all of them (a slower second process)
	procs    atomic.Int64
	mutating atomic.Int64
	procTime atomic.Int64 // nanoseconds spent waiting for processes
	opsMu    sync.Mutex
	ops      map[string]int64 // processes by operation, for ProcessesByOp
	// json says whether `zfs get -j` works: jsonUnknown until the first observation (or
	// Capabilities) finds out.
	json atomic.Int32

	// noProgramSetProp: a commit program found no zfs.sync.set_prop in the kernel (older than
	// the userland that the version said); Commit does without programs from then on.
	noProgramSetProp atomic.Bool

	capsMu sync.Mutex
	caps   *Capabilities // nil until a probe succeeds; failures are not remembered
}

var _ Client = (*CLI)(nil)

// Option configures a CLI.
type Option func(*CLI)

// WithProps names the user properties Observe reads. With them, an observation is one `zfs get`
// of the native columns and those properties; without, it lists and then reads every property
// (`zfs get all`), which costs a second, slower process.
func WithProps(props ...string) Option {
	return func(c *CLI) { c.props = append([]string(nil), props...) }
}

// NewCLI returns a client that runs `zfs` from PATH and logs every process once, at debug level.
func NewCLI(log zerolog.Logger, opts ...Option) *CLI {
	c := &CLI{log: log, zfsBin: "zfs", zpoolBin: "zpool"}
	for _, o := range opts {
		o(c)
	}
	return c
}

const (
	jsonUnknown int32 = iota
	jsonYes
	jsonNo
)

// Stats reports how many zfs processes this client started, and how many of them could change
// state. Tests use it to prove what an operation costs.
func (c *CLI) Stats() (processes, mutating int64) {
	return c.procs.Load(), c.mutating.Load()
}

// ProcessesByOp counts the processes this client started by operation (the subcommand, or
// "program" for a channel program): benchmarks say with it where an operation's processes go.
func (c *CLI) ProcessesByOp() map[string]int64 {
	c.opsMu.Lock()
	defer c.opsMu.Unlock()
	return maps.Clone(c.ops)
}

// ProcessTime is the wall time this client spent waiting for its zfs and zpool processes, summed
// over processes (concurrent ones each count). Benchmarks split an operation's time with it into
// what ZFS took and what the reconciler's own work took.
func (c *CLI) ProcessTime() time.Duration { return time.Duration(c.procTime.Load()) }

// waitDelay bounds how long a process may linger after its context is cancelled and SIGTERM was
// sent, before it is killed.
const waitDelay = 10 * time.Second

// Every zfs process runs in a process group of its own. A Ctrl-C at a terminal sends SIGINT to
// the whole foreground group; the daemon handles it by finishing the step in progress, which must
// not lose its zfs command to the same signal. Cancelling the context is the one way to stop a
// zfs command: it sends SIGTERM to the command's group (zfs and anything it started). Where the
// platform allows, a child also dies with the reconciler (procAttr).
func configure(cmd *exec.Cmd) {
	cmd.SysProcAttr = procAttr()
	cmd.Cancel = func() error {
		err := syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		if errors.Is(err, syscall.ESRCH) {
			return os.ErrProcessDone
		}
		return err
	}
	cmd.WaitDelay = waitDelay
}

// run runs zfs with args. op and name describe the request for errors.
func (c *CLI) run(ctx context.Context, op, name string, mutating bool, args ...string) ([]byte, error) {
	return c.runBin(ctx, c.zfsBin, op, name, mutating, nil, args...)
}

// runIn runs zfs with args and stdin.
func (c *CLI) runIn(ctx context.Context, op, name string, mutating bool, stdin []byte, args ...string) ([]byte, error) {
	return c.runBin(ctx, c.zfsBin, op, name, mutating, stdin, args...)
}

// runBin is the one place a zfs or zpool process starts.
func (c *CLI) runBin(ctx context.Context, bin, op, name string, mutating bool, stdin []byte, args ...string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, &Error{Op: op, Name: name, ExitCode: -1, Err: err}
	}
	argv := append([]string{bin}, args...)
	command := "zfs" // the log line's message
	if bin == c.zpoolBin {
		command = "zpool"
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	configure(cmd)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	c.procs.Add(1)
	c.opsMu.Lock()
	if c.ops == nil {
		c.ops = map[string]int64{}
	}
	c.ops[op]++
	c.opsMu.Unlock()
	if mutating {
		c.mutating.Add(1)
	}
	start := time.Now()
	err := cmd.Run()
	code := 0
	if cmd.ProcessState != nil {
		code = cmd.ProcessState.ExitCode()
	} else if err != nil {
		code = -1
	}
	took := time.Since(start)
	c.procTime.Add(int64(took))
	c.log.Debug().Strs("argv", argv).Float64("took_seconds", took.Seconds()).Int("exit", code).Msg(command)
	if err == nil {
		return stdout.Bytes(), nil
	}
	e := &Error{Op: op, Name: name, Argv: argv, ExitCode: code, Stderr: strings.TrimSpace(stderr.String())}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		e.Err = ctx.Err()
	case errors.As(err, &ee):
		e.Err = classify(e.Stderr)
	default:
		e.Err = err // could not start: no zfs binary, say
	}
	return stdout.Bytes(), e
}
