package client

import (
	"net/url"
	"strconv"
	"strings"
)

// ListQuery is the query of page n (1-based) of size records of a list, under
// the profile's parameter names and paging style; search, when not empty, is
// the search term. Cursor and next-link lists start at their first page: a
// later one is reached only through NextQuery.
func (c *Client) ListQuery(search string, n, size int) string {
	if search == "" && n >= 1 && n <= len(c.firstPages) && size == firstPagesSize {
		return c.firstPages[n-1] // rendered once (New)
	}
	return c.listQuery(search, n, size)
}

// firstPagesSize and the length of Client.firstPages are the lists VUs read
// most — one of their first pages of 20, with no search term — whose queries
// New renders once: a VU lists every few requests.
const firstPagesSize = 20

func (c *Client) listQuery(search string, n, size int) string {
	q := &c.prof.Query
	var b strings.Builder
	if search != "" {
		b.WriteString(q.Search)
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(search))
		b.WriteByte('&')
	}
	switch c.prof.Paging.Style {
	case PagingPage:
		b.WriteString(q.Page)
		b.WriteByte('=')
		b.WriteString(strconv.Itoa(max(n, 1)))
		b.WriteByte('&')
	case PagingOffset:
		b.WriteString(q.Offset)
		b.WriteByte('=')
		b.WriteString(strconv.Itoa((max(n, 1) - 1) * size))
		b.WriteByte('&')
	}
	b.WriteString(q.Size)
	b.WriteByte('=')
	b.WriteString(strconv.Itoa(size))
	return b.String()
}

// EmptySearchQuery is the query of a search with an empty term (a deliberate
// validation mistake).
func (c *Client) EmptySearchQuery(size int) string {
	return c.prof.Query.Search + "=&" + c.prof.Query.Size + "=" + strconv.Itoa(size)
}

// NextQuery is the query of the page after res, which answered query
// (Call.Decode set, not Call.Page): the next page number or offset, or the
// cursor or next link the answer holds. false: the answer names no next page
// (cursor and next-link styles only; the others go on until a page is empty).
func (c *Client) NextQuery(res *Result, query string) (string, bool) {
	p := &c.prof
	vals, _ := url.ParseQuery(query)
	switch p.Paging.Style {
	case PagingCursor, PagingNextLink:
		v, ok := lookup(res.JSON, p.Paging.Next)
		if !ok {
			return "", false
		}
		next, ok := asString(v)
		if !ok || next == "" {
			return "", false
		}
		if p.Paging.Style == PagingNextLink {
			u, err := url.Parse(next)
			if err != nil {
				return "", false
			}
			return u.RawQuery, true
		}
		vals.Set(p.Query.Cursor, next)
	case PagingOffset:
		size, _ := strconv.Atoi(vals.Get(p.Query.Size))
		off, _ := strconv.Atoi(vals.Get(p.Query.Offset))
		vals.Set(p.Query.Offset, strconv.Itoa(off+max(size, len(c.Items(res)))))
	default:
		n, _ := strconv.Atoi(vals.Get(p.Query.Page))
		vals.Set(p.Query.Page, strconv.Itoa(max(n, 1)+1))
	}
	return vals.Encode(), true
}

// Total is the total count a list answer gives (paging.total), if any.
func (c *Client) Total(res *Result) (int, bool) {
	if c.prof.Paging.Total == "" {
		return 0, false
	}
	v, ok := lookup(res.JSON, c.prof.Paging.Total)
	if !ok {
		return 0, false
	}
	s, ok := asString(v)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}
