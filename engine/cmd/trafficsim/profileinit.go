package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/trafficsim/trafficsim/engine/inputfile"
	"github.com/trafficsim/trafficsim/engine/outputfile"
	"github.com/trafficsim/trafficsim/engine/profiledraft"
)

func init() { subcommands = append(subcommands, newProfileCmd) }

// maxOpenAPI bounds the OpenAPI document read, from a file or a URL.
const maxOpenAPI = 16 << 20

// openAPITimeout bounds reading the document (and drafting the profile).
var openAPITimeout = 30 * time.Second

func newProfileCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profile",
		Short: "Work with API profiles (docs/api-profile.md)",
		Args:  cobra.NoArgs,
	}
	var openapi, out string
	var maps []string
	initCmd := &cobra.Command{
		Use:   "init",
		Short: "Draft an API profile from the target's OpenAPI 3 document",
		Long: `profile init reads the target's OpenAPI 3.0 or 3.1 document (a file or an http(s)
URL) and drafts a commented API profile: it matches operations to the 33
capabilities by path words, methods, operationIds and parameters, and reads the
login fields, the token paths of the login answer, the envelope, the id kind, the
paging parameters and field names from the schemas. What it could not match is
listed with the reason (on stderr and as comments in the file). --map names a
resource's word when the defaults (users: accounts, members…; roles: groups…;
permissions: grants, scopes…) do not find it. Verify the draft with trafficsim check.

Exit codes: 0 drafted (even with capabilities unmatched), 1 the document could not
be read, 2 invalid flags.`,
		Example: `  trafficsim profile init --openapi http://127.0.0.1:8080/openapi.yaml --map users=accounts --map roles=groups -o accounts.yaml
  trafficsim check --base-url http://127.0.0.1:8080 --api-profile accounts.yaml --admin-user admin@example.com`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if openapi == "" {
				return usageError(errors.New("--openapi: required: the target's OpenAPI document, a file or an http(s) URL"))
			}
			if out != "" && out != "-" {
				var in []fileArg
				if !strings.HasPrefix(openapi, "http://") && !strings.HasPrefix(openapi, "https://") {
					in = append(in, fileArg{"the --openapi file", openapi})
				}
				if err := checkFiles(in, []fileArg{{"-o", out}}); err != nil {
					return usageError(err)
				}
			}
			words := map[string]string{}
			for _, m := range maps {
				k, v, ok := strings.Cut(m, "=")
				if !ok || k == "" || v == "" {
					return usageError(fmt.Errorf("--map %q: write RESOURCE=WORD, e.g. --map users=accounts", m))
				}
				switch k {
				case "users", "roles", "permissions":
				default:
					return usageError(fmt.Errorf("--map %q: the resource is users, roles or permissions", m))
				}
				words[k] = v
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), openAPITimeout)
			defer cancel()
			data, err := readOpenAPI(ctx, openapi)
			if errors.Is(err, inputfile.ErrNotRegular) {
				return usageError(err) // a FIFO or device: a wrong flag, not a document that failed to read
			}
			if err != nil {
				return &exitError{code: ExitFailure, err: err}
			}
			doc, err := profiledraft.Load(ctx, data)
			if err != nil {
				return &exitError{code: ExitFailure, err: fmt.Errorf("%s: %w", openapi, err)}
			}
			d, err := profiledraft.Build(doc, words)
			if err != nil {
				return usageError(err)
			}
			text := d.YAML(openapi)
			stderr := cmd.ErrOrStderr()
			if out == "" || out == "-" {
				if _, err := cmd.OutOrStdout().Write(text); err != nil {
					return &exitError{code: ExitFailure, err: err}
				}
			} else if err := outputfile.Write(out, text); err != nil {
				return &exitError{code: ExitFailure, err: fmt.Errorf("-o: %w", err)}
			} else {
				edit := ""
				if len(d.LeftOut) > 0 {
					edit = fmt.Sprintf("; %d left out, only under a parent's path (# left out: in the file, to write by hand)", len(d.LeftOut))
				}
				if len(d.Unmatched) > 0 {
					edit += fmt.Sprintf("; %d setting(s) to edit (# edit: in the file)", len(d.Unmatched))
				}
				fmt.Fprintf(stderr, "wrote %s: %d of 33 capabilities matched%s\n", out, 33-len(d.Missing)-len(d.LeftOut), edit)
			}
			for _, m := range append(d.Missing, d.Unmatched...) {
				fmt.Fprintf(stderr, "not matched: %s: %s\n", m.Capability, m.Why)
			}
			for _, m := range d.LeftOut {
				fmt.Fprintf(stderr, "left out: %s: %s, e.g. %s: %s\n", m.Capability, m.Why, m.Capability, m.Write)
			}
			for _, u := range d.Unused {
				fmt.Fprintf(stderr, "unused operation: %s\n", u)
			}
			return nil
		},
	}
	f := initCmd.Flags()
	f.StringVar(&openapi, "openapi", "", "the target's OpenAPI 3.0/3.1 document: a file or an http(s) URL (required)")
	f.StringArrayVar(&maps, "map", nil, "a resource's word in the target's paths, RESOURCE=WORD (users, roles, permissions); repeatable")
	f.StringVarP(&out, "output", "o", "", "write the profile to this file (default: standard output)")
	cmd.AddCommand(initCmd)
	return cmd
}

// readOpenAPI reads the document from a regular file (or /dev/stdin) or an
// http(s) URL, at most maxOpenAPI bytes of either: a larger one fails at the
// limit with an error naming it; a FIFO or a device is refused at once
// (inputfile.ErrNotRegular), so nothing endless is read.
func readOpenAPI(ctx context.Context, src string) ([]byte, error) {
	if !strings.HasPrefix(src, "http://") && !strings.HasPrefix(src, "https://") {
		data, err := inputfile.Read(src, maxOpenAPI)
		if err != nil {
			return nil, fmt.Errorf("--openapi: %w", err)
		}
		return data, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return nil, fmt.Errorf("--openapi: %w", err)
	}
	req.Header.Set("Accept", "application/yaml, application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("--openapi: fetch %s: %w", src, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("--openapi: fetch %s: answered %s", src, resp.Status)
	}
	if resp.ContentLength > maxOpenAPI {
		return nil, openAPITooLarge(src, resp.ContentLength)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxOpenAPI+1))
	if err != nil {
		return nil, fmt.Errorf("--openapi: read %s: %w", src, err)
	}
	if len(data) > maxOpenAPI {
		return nil, openAPITooLarge(src, -1)
	}
	return data, nil
}

// openAPITooLarge is the error of a document over maxOpenAPI; size < 0: not
// known (more than the limit was read).
func openAPITooLarge(src string, size int64) error {
	what := fmt.Sprintf("more than %d MiB", maxOpenAPI>>20)
	if size >= 0 {
		what = fmt.Sprintf("%.1f MiB (%d bytes)", float64(size)/(1<<20), size)
	}
	return fmt.Errorf("--openapi: %s is %s; an OpenAPI document is read up to %d MiB: give the document itself (not a bundle, a log or a device), or trim it to the user, role and permission paths", src, what, maxOpenAPI>>20)
}
