package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"

	"github.com/trafficsim/trafficsim/engine/outputfile"
	"github.com/trafficsim/trafficsim/engine/summary"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// EncodeJUnit writes a run's threshold results as a JUnit XML report: one
// test suite "trafficsim thresholds", one test case per threshold (named by
// its expression), a failure saying why for each that failed.
func EncodeJUnit(w io.Writer, s summary.Summary) error {
	rs := s.Thresholds
	secs := strconv.FormatFloat(s.EndedAt.Sub(s.StartedAt).Seconds(), 'f', 3, 64)
	suite := junitSuite{
		Name:  "trafficsim thresholds",
		Tests: len(rs),
		Time:  secs,
	}
	if !s.StartedAt.IsZero() {
		suite.Timestamp = s.StartedAt.UTC().Format("2006-01-02T15:04:05")
	}
	for _, p := range []junitProperty{
		{"run", s.RunID}, {"scenario", s.Scenario}, {"target", s.Target},
	} {
		if p.Value != "" {
			suite.Properties = append(suite.Properties, p)
		}
	}
	for _, r := range rs {
		c := junitCase{Name: r.Expr, Classname: "trafficsim.thresholds", Time: "0", SystemOut: r.String()}
		if !r.Pass {
			suite.Failures++
			c.Failure = &junitFailure{Type: "threshold", Message: r.Failure(), Text: r.String()}
		}
		suite.Cases = append(suite.Cases, c)
	}
	doc := junitSuites{Name: "trafficsim", Tests: suite.Tests, Failures: suite.Failures, Time: secs, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encode JUnit XML: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// WriteJUnit writes the JUnit report to path as outputfile.Write does:
// atomically (a temporary file in the same directory, renamed over path), the
// file a symbolic link points to, into a device or FIFO without replacing it.
func WriteJUnit(path string, s summary.Summary) error {
	var buf bytes.Buffer
	if err := EncodeJUnit(&buf, s); err != nil {
		return err
	}
	if err := outputfile.Write(path, buf.Bytes()); err != nil {
		return fmt.Errorf("write JUnit report %s: %w", path, err)
	}
	return nil
}
