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
	Errors   int          `xml:"errors,attr,omitempty"`
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
	Error     *junitFailure `xml:"error"` // not judged: the run did not start
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
	suite := newJUnitSuite(s)
	for _, r := range s.Thresholds {
		c := junitCase{Name: r.Expr, Classname: "trafficsim.thresholds", Time: "0", SystemOut: r.String()}
		if !r.Pass {
			suite.Failures++
			c.Failure = &junitFailure{Type: "threshold", Message: r.Failure(), Text: r.String()}
		}
		suite.Cases = append(suite.Cases, c)
	}
	return encodeJUnit(w, suite)
}

// EncodeJUnitNotRun writes the JUnit report of a run that did not start — the
// check of the target refused it: s says why (its error) and exprs are the
// thresholds the run would have judged. The suite is EncodeJUnit's, each
// threshold a test case with an error (type "not judged") whose message is
// "not judged: " and the run's error, so that a CI job shows the run as
// failed and why.
func EncodeJUnitNotRun(w io.Writer, s summary.Summary, exprs []string) error {
	suite := newJUnitSuite(s)
	why := s.Error
	if why == "" {
		why = "the run did not start"
	}
	for _, expr := range exprs {
		suite.Errors++
		suite.Cases = append(suite.Cases, junitCase{Name: expr, Classname: "trafficsim.thresholds", Time: "0",
			Error: &junitFailure{Type: "not judged", Message: "not judged: " + why, Text: why}})
	}
	return encodeJUnit(w, suite)
}

// newJUnitSuite is the suite of s's report without its test cases: the
// name, the time, the run's properties.
func newJUnitSuite(s summary.Summary) junitSuite {
	suite := junitSuite{
		Name: "trafficsim thresholds",
		Time: strconv.FormatFloat(s.EndedAt.Sub(s.StartedAt).Seconds(), 'f', 3, 64),
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
	return suite
}

// encodeJUnit writes the document of one suite.
func encodeJUnit(w io.Writer, suite junitSuite) error {
	suite.Tests = len(suite.Cases)
	doc := junitSuites{Name: "trafficsim", Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors, Time: suite.Time,
		Suites: []junitSuite{suite}}
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
	return writeJUnit(path, func(w io.Writer) error { return EncodeJUnit(w, s) })
}

// WriteJUnitNotRun writes EncodeJUnitNotRun's report to path as WriteJUnit
// writes its own.
func WriteJUnitNotRun(path string, s summary.Summary, exprs []string) error {
	return writeJUnit(path, func(w io.Writer) error { return EncodeJUnitNotRun(w, s, exprs) })
}

func writeJUnit(path string, encode func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := encode(&buf); err != nil {
		return err
	}
	if err := outputfile.Write(path, buf.Bytes()); err != nil {
		return fmt.Errorf("write JUnit report %s: %w", path, err)
	}
	return nil
}
