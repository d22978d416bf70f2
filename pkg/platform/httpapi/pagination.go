package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"strconv"

	"github.com/gin-gonic/gin"
)

// Page limits for list endpoints.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// PageRequest is a list request: at most Limit items after the position in Cursor.
type PageRequest struct {
	Limit  int
	Cursor []byte // the decoded cursor; nil on the first page
}

// Page is the body of every list response.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// ParsePage reads ?limit= and ?cursor=; on bad values it answers 400 and returns false.
// Cursors are opaque to clients: base64url of a JSON position chosen by the handler.
func ParsePage(c *gin.Context) (PageRequest, bool) {
	pr := PageRequest{Limit: DefaultPageSize}
	var errs []FieldError
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxPageSize {
			errs = append(
				errs,
				FieldError{Field: "limit", Message: "must be a whole number from 1 to " + strconv.Itoa(MaxPageSize)},
			)
		}
		pr.Limit = n
	}
	if s := c.Query("cursor"); s != "" {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || !json.Valid(b) {
			errs = append(errs, FieldError{Field: "cursor", Message: "is not a cursor this API issued"})
		}
		pr.Cursor = b
	}
	if len(errs) > 0 {
		Invalid(c, errs...)
		return pr, false
	}
	return pr, true
}

// DecodeCursor unmarshals the page's cursor position into pos; false on the first page.
func (p PageRequest) DecodeCursor(pos any) (bool, error) {
	if p.Cursor == nil {
		return false, nil
	}
	return true, json.Unmarshal(p.Cursor, pos)
}

// EncodeCursor makes the opaque cursor for a position.
func EncodeCursor(pos any) string {
	b, err := json.Marshal(pos)
	if err != nil {
		panic("httpapi: cursor position must marshal: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// NewPage builds a page from up to limit+1 fetched rows: the extra row, when present,
// proves a next page exists, and the last returned row's position becomes the cursor.
func NewPage[T any](rows []T, limit int, position func(T) any) Page[T] {
	p := Page[T]{Items: rows}
	if len(rows) > limit {
		p.Items = rows[:limit]
		p.NextCursor = EncodeCursor(position(rows[limit-1]))
	}
	if p.Items == nil {
		p.Items = []T{}
	}
	return p
}

// After decodes the page's cursor into a position (nil on the first page); on a cursor this
// API did not issue it answers 400 and returns false.
func After[P any](c *gin.Context, p PageRequest) (*P, bool) {
	var pos P
	has, err := p.DecodeCursor(&pos)
	if err != nil {
		Invalid(c, FieldError{Field: "cursor", Message: "is not a cursor this API issued"})
		return nil, false
	}
	if !has {
		return nil, true
	}
	return &pos, true
}
