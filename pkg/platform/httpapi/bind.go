package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/go-playground/validator/v10"
)

var validate = newValidator()

func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	// Report fields by their JSON names, the names clients send.
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name := strings.SplitN(f.Tag.Get("json"), ",", 2)[0]
		if name == "-" {
			return ""
		}
		return name
	})
	return v
}

// BindJSON decodes the body strictly (unknown fields are errors) into dst and validates it
// with its `validate` tags. On failure it answers 400 with field-level errors and returns false.
func BindJSON(c *gin.Context, dst any) bool {
	body, ok := readBody(c)
	if !ok {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		Invalid(c, decodeError(err))
		return false
	}
	if dec.More() {
		Invalid(c, FieldError{Field: "body", Message: "must hold exactly one JSON object"})
		return false
	}
	if errs := Validate(dst); len(errs) > 0 {
		Invalid(c, errs...)
		return false
	}
	return true
}

// readBody reads the whole request body (within the body limit) and puts it back, so that
// middleware and handler can both read it. It answers 413 or 400 and returns false on failure.
func readBody(c *gin.Context) ([]byte, bool) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			Abort(
				c,
				Problem{Type: TypeTooLarge, Status: http.StatusRequestEntityTooLarge, Title: "Request body too large"},
			)
			return nil, false
		}
		Invalid(c, FieldError{Field: "body", Message: "could not be read"})
		return nil, false
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	return body, true
}

// Validate checks v's `validate` tags and returns one FieldError per failing field.
func Validate(v any) []FieldError {
	err := validate.Struct(v)
	if err == nil {
		return nil
	}
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return []FieldError{{Field: "body", Message: "is not valid"}}
	}
	out := make([]FieldError, 0, len(ves))
	for _, fe := range ves {
		out = append(out, FieldError{Field: fieldPath(fe), Message: message(fe)})
	}
	return out
}

// fieldPath is the field's path as the client wrote it: the top-level struct's name and the
// names of embedded structs (Go names, upper-case; JSON names are lower-case) are dropped:
// "Req.Evidence.facts[0].person" -> "facts[0].person".
func fieldPath(fe validator.FieldError) string {
	parts := strings.Split(fe.Namespace(), ".")
	kept := parts[:0]
	for _, p := range parts[1:] {
		if p != "" && (p[0] < 'A' || p[0] > 'Z') {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, ".")
}

// patternMessages explains the patterns registered with RegisterPattern.
var patternMessages = map[string]string{}

// The programme's codes, shared by every service's requests.
func init() {
	RegisterPattern("planid", `^[a-z0-9][a-z0-9-]*$`, "must be a plan id: lower-case letters, digits and dashes")
	RegisterPattern(
		"problemcode",
		`^[A-Z][A-Z0-9_]{1,31}$`,
		"must be a problem code: upper-case letters, digits and underscores",
	)
	// Reason, event type and finding codes.
	RegisterPattern("code", `^[A-Z][A-Z0-9_]{1,47}$`, "must be a code: upper-case letters, digits and underscores")
}

// RegisterPattern adds a `validate` tag that accepts strings matching pattern; message says
// what a valid value looks like. Call it from init, before serving.
func RegisterPattern(tag, pattern, message string) {
	re := regexp.MustCompile(pattern)
	if err := validate.RegisterValidation(tag, func(fl validator.FieldLevel) bool {
		return re.MatchString(fl.Field().String())
	}); err != nil {
		panic(err)
	}
	patternMessages[tag] = message
}

func message(fe validator.FieldError) string {
	if m, ok := patternMessages[fe.Tag()]; ok {
		return m
	}
	switch fe.Tag() {
	case "required":
		return "is required"
	case "min":
		if fe.Kind() == reflect.Slice || fe.Kind() == reflect.String {
			return fmt.Sprintf("must have at least %s items or characters", fe.Param())
		}
		return "must be at least " + fe.Param()
	case "max":
		if fe.Kind() == reflect.Slice || fe.Kind() == reflect.String {
			return fmt.Sprintf("must have at most %s items or characters", fe.Param())
		}
		return "must be at most " + fe.Param()
	case "oneof":
		return "must be one of: " + fe.Param()
	case "datetime":
		return "must be a date in the form " + fe.Param()
	case "uuid", "uuid4":
		return "must be a UUID"
	case "unique":
		return "must not repeat values"
	default:
		return "is not valid (" + fe.Tag() + ")"
	}
}

func decodeError(err error) FieldError {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typ):
		return FieldError{Field: typ.Field, Message: "must be of type " + jsonType(typ.Type)}
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return FieldError{Field: "body", Message: "is not well-formed JSON"}
	case errors.Is(err, io.EOF):
		return FieldError{Field: "body", Message: "is required"}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return FieldError{
			Field:   strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`),
			Message: "is not a known field",
		}
	default:
		return FieldError{Field: "body", Message: "is not valid JSON for this request"}
	}
}

func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Bool:
		return "boolean"
	case reflect.Struct, reflect.Map:
		return "object"
	default:
		return "number"
	}
}
