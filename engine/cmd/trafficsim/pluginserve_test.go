package main

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/enginerpc"
)

func TestPluginServe(t *testing.T) {
	bin := buildBinary(t)

	t.Run("refuses to run by hand", func(t *testing.T) {
		cmd := exec.Command(bin, "plugin-serve")
		cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != ExitUsage {
			t.Fatalf("plugin-serve by hand: %v; want exit code %d", err, ExitUsage)
		}
		if stdout.Len() != 0 || !strings.Contains(stderr.String(), "Grafana plugin") || !strings.Contains(stderr.String(), "trafficsim run") {
			t.Fatalf("stdout %q, stderr %q; want nothing on stdout and a hint on stderr", stdout.String(), stderr.String())
		}
	})

	t.Run("is hidden", func(t *testing.T) {
		out, err := exec.Command(bin, "--help").CombinedOutput()
		if err != nil || strings.Contains(string(out), "plugin-serve") {
			t.Fatalf("--help (%v) lists plugin-serve:\n%s", err, out)
		}
	})

	t.Run("the handshake is the first line on stdout", func(t *testing.T) {
		cmd := exec.Command(bin, "plugin-serve")
		cmd.Env = []string{
			enginerpc.Handshake.MagicCookieKey + "=" + enginerpc.Handshake.MagicCookieValue,
			"PLUGIN_PROTOCOL_VERSIONS=" + strconv.Itoa(int(enginerpc.Handshake.ProtocolVersion)),
			"TMPDIR=" + os.TempDir(),
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
		line := make(chan string, 1)
		go func() {
			s, _ := bufio.NewReader(stdout).ReadString('\n')
			line <- s
		}()
		select {
		case l := <-line:
			// core version | app protocol version | network | address | protocol
			if !regexp.MustCompile(`^1\|1\|(unix|tcp)\|[^|]+\|grpc\|`).MatchString(l) {
				t.Fatalf("first stdout line %q is not go-plugin's gRPC handshake", l)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("no handshake within 20s")
		}
	})
}
