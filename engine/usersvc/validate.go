package usersvc

import (
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The rules of docs/api.md "Validation rules". Each returns "" when v is valid, else
// the message for the field.

func checkUsername(v string) string {
	if len(v) < 3 || len(v) > 32 || !allIn(v, "_.") {
		return "must be 3–32 characters of a-z, 0-9, _ and ."
	}
	return ""
}

func checkEmail(v string) string {
	if v == "" || len(v) > 254 {
		return "must be a valid email address of at most 254 characters"
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || a.Name != "" {
		return "must be a valid email address"
	}
	at := strings.LastIndexByte(v, '@')
	domain := v[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return "must be a valid email address (the domain needs a dot)"
	}
	return ""
}

func checkPassword(v string) string {
	if len(v) < 8 || len(v) > 72 {
		return "must be 8–72 characters (at most 72 bytes)"
	}
	var letter, digit bool
	for _, r := range v {
		letter = letter || unicode.IsLetter(r)
		digit = digit || unicode.IsDigit(r)
	}
	if !letter || !digit {
		return "must contain at least one letter and one digit"
	}
	return ""
}

func checkName(v string) string {
	if strings.TrimSpace(v) == "" || utf8.RuneCountInString(v) > 100 {
		return "must be 1–100 characters and not blank"
	}
	return ""
}

// checkEntityName checks a role or permission name.
func checkEntityName(v string) string {
	if len(v) < 2 || len(v) > 64 || !allIn(v, "_.-") {
		return "must be 2–64 characters of a-z, 0-9, _, . and -"
	}
	return ""
}

func checkDescription(v string) string {
	if utf8.RuneCountInString(v) > 200 {
		return "must be at most 200 characters"
	}
	return ""
}

func checkMaxLen(v string, n int) string {
	if utf8.RuneCountInString(v) > n {
		return "must be at most " + strconv.Itoa(n) + " characters"
	}
	return ""
}

func checkWebsite(v string) string {
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "must be an http or https URL"
	}
	return ""
}

func checkPhone(v string) string {
	if v == "" {
		return ""
	}
	digits := v[1:]
	if v[0] != '+' || len(digits) < 7 || len(digits) > 15 || strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return "must be + followed by 7–15 digits"
	}
	return ""
}

// allIn reports whether v holds only a-z, 0-9 and the extra bytes.
func allIn(v, extra string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && strings.IndexByte(extra, c) < 0 {
			return false
		}
	}
	return true
}
