package client

import "testing"

// TestFirstPagesRendered checks the queries ListQuery renders once against
// rendering them again, in each paging style.
func TestFirstPagesRendered(t *testing.T) {
	for _, style := range []string{PagingPage, PagingOffset, PagingCursor} {
		c, err := New(Options{BaseURL: "http://127.0.0.1:1", Profile: Profile{Paging: PagingProfile{Style: style, Next: "meta.next"}}})
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n <= len(c.firstPages)+1; n++ {
			if got, want := c.ListQuery("", n, firstPagesSize), c.listQuery("", n, firstPagesSize); got != want {
				t.Errorf("%s, page %d: %q, want %q", style, n, got, want)
			}
		}
		if got := c.ListQuery("", 2, firstPagesSize); style == PagingPage && got != "page=2&per_page=20" {
			t.Errorf("page 2 of 20: %q", got)
		}
	}
}
