package httpapi

import (
	"context"
	"errors"
	"log/slog"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

// ByID reads the resource named by the path's :id: 400 when the id is not a UUID, 404 when
// get answers notFound, 500 (logged) on any other error. what names the resource in
// answers and logs ("Upload"); the id itself is never echoed.
func ByID[T any](
	c *gin.Context,
	log *slog.Logger,
	what string,
	get func(context.Context, uuid.UUID) (T, error),
	notFound error,
) (T, bool) {
	var zero T
	id, ok := PathUUID(c, "id")
	if !ok {
		return zero, false
	}
	v, err := get(c, id)
	if errors.Is(err, notFound) {
		NotFound(c, what)
		return zero, false
	}
	if err != nil {
		log.ErrorContext(c, "read "+what, "error", err.Error())
		Internal(c)
		return zero, false
	}
	return v, true
}

// PathUUID reads the path parameter name as a UUID, or answers 400 naming it and returns false.
func PathUUID(c *gin.Context, name string) (uuid.UUID, bool) {
	id, err := uuid.Parse(c.Param(name))
	if err != nil {
		Invalid(c, FieldError{Field: name, Message: "must be a UUID"})
		return id, false
	}
	return id, true
}
