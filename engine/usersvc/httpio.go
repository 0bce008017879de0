package usersvc

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/trafficsim/trafficsim/engine/usersvc/store"
)

// maxBody is the largest request body accepted (docs/api.md: over 1 MiB → 400).
const maxBody = 1 << 20

// apiError is an error answer: {"error":{"code","message","fields"}}.
type apiError struct {
	Status  int               `json:"-"`
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	header  [2]string         // one extra response header, e.g. Retry-After
}

func (e *apiError) Error() string { return e.Message }

func newError(status int, code, msg string) *apiError {
	return &apiError{Status: status, Code: code, Message: msg}
}

// Answers used on hot paths are built once.
var (
	errNoToken      = newError(http.StatusUnauthorized, "unauthorized", "missing bearer token in the Authorization header")
	errBadToken     = newError(http.StatusUnauthorized, "invalid_token", "the access token is invalid, expired or revoked")
	errForbidden    = newError(http.StatusForbidden, "forbidden", "your roles do not allow this")
	errAdminOnly    = newError(http.StatusForbidden, "forbidden", "only an admin may do this")
	errRouteUnknown = newError(http.StatusNotFound, "not_found", "no such route")
	errInjected     = newError(http.StatusInternalServerError, "injected_fault", "injected server error (fault injection)")
	errDraining     = newError(http.StatusServiceUnavailable, "unavailable", "the service is shutting down")
	errCanceled     = newError(http.StatusServiceUnavailable, "unavailable", "the request was canceled")
	errInternal     = newError(http.StatusInternalServerError, "internal", "internal server error")
)

// validationError is the 422 answer naming each broken field.
func validationError(fields map[string]string) *apiError {
	return &apiError{Status: http.StatusUnprocessableEntity, Code: "validation_failed",
		Message: "the request has invalid fields", Fields: fields}
}

// fieldErrors collects per-field validation messages.
type fieldErrors map[string]string

func (f *fieldErrors) add(field, msg string) {
	if *f == nil {
		*f = make(fieldErrors)
	}
	if _, ok := (*f)[field]; !ok {
		(*f)[field] = msg
	}
}

func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return validationError(f)
}

// asAPIError maps any handler error to its answer.
func asAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var se *store.Error
	if errors.As(err, &se) {
		switch {
		case errors.Is(se.Kind, store.ErrNotFound):
			return newError(http.StatusNotFound, "not_found", se.Msg)
		case errors.Is(se.Kind, store.ErrConflict):
			return newError(http.StatusConflict, "conflict", se.Msg)
		case errors.Is(se.Kind, store.ErrInvalid):
			field := se.Field
			if field == "" {
				field = "body"
			}
			return validationError(map[string]string{field: se.Msg})
		}
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own types are written; they always marshal.
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":"encode response"}}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	b = append(b, '\n')
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, e *apiError) {
	if e.header[0] != "" {
		w.Header().Set(e.header[0], e.header[1])
	}
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="trafficsim"`)
	}
	writeJSON(w, e.Status, struct {
		Error *apiError `json:"error"`
	}{e})
}

// decodeBody reads a JSON object into dst. An empty body decodes as {}, so missing
// required fields are reported by validation (422) rather than as a syntax error.
func decodeBody(w http.ResponseWriter, r *http.Request, dst any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	err := dec.Decode(dst)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errTrailing
		}
	}
	if err == nil || err == io.EOF {
		return nil
	}
	var (
		mbe *http.MaxBytesError
		se  *json.SyntaxError
		ute *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mbe):
		return newError(http.StatusBadRequest, "bad_request", fmt.Sprintf("the request body is larger than %d bytes (1 MiB)", maxBody))
	case errors.As(err, &ute):
		field := ute.Field
		if field == "" {
			return newError(http.StatusBadRequest, "bad_request", fmt.Sprintf("the request body must be a JSON object, not %s", ute.Value))
		}
		return newError(http.StatusBadRequest, "bad_request", fmt.Sprintf("field %q must be %s, not %s", field, jsonKind(ute.Type.Kind().String()), ute.Value))
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, errTrailing):
		return newError(http.StatusBadRequest, "invalid_json", "the request body is not valid JSON: "+err.Error())
	}
	return newError(http.StatusBadRequest, "bad_request", "read the request body: "+err.Error())
}

var errTrailing = errors.New("unexpected data after the JSON object")

func jsonKind(goKind string) string {
	switch {
	case goKind == "string":
		return "a string"
	case goKind == "bool":
		return "a boolean"
	case strings.HasPrefix(goKind, "int"), strings.HasPrefix(goKind, "uint"), strings.HasPrefix(goKind, "float"):
		return "a number"
	case goKind == "slice":
		return "an array"
	case goKind == "map", goKind == "struct", goKind == "ptr":
		return "an object"
	}
	return goKind
}

// pathID parses the positive integer path parameter name.
func pathID(r *http.Request, name string) (int64, error) {
	v := r.PathValue(name)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, newError(http.StatusBadRequest, "invalid_id", fmt.Sprintf("%s %q is not a positive integer id", name, v))
	}
	return id, nil
}

// page is the response envelope of a list.
type page[T any] struct {
	Data    []T `json:"data"`
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
	Total   int `json:"total"`
}

// pageParams reads page and per_page from the query (defaults 1 and 20).
func pageParams(r *http.Request) (pageNo, perPage int, sp store.Page, err error) {
	q := r.URL.Query()
	var fe fieldErrors
	pageNo, perPage = 1, 20
	if v := q.Get("page"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 1 {
			fe.add("page", "must be an integer ≥ 1")
		} else {
			pageNo = n
		}
	}
	if v := q.Get("per_page"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 1 || n > 100 {
			fe.add("per_page", "must be an integer from 1 to 100")
		} else {
			perPage = n
		}
	}
	if err := fe.err(); err != nil {
		return 0, 0, store.Page{}, err
	}
	// Cap the offset so a huge page number cannot overflow a 32-bit int.
	off := min(pageNo-1, (1<<30)/perPage) * perPage
	return pageNo, perPage, store.Page{Offset: off, Limit: perPage}, nil
}
