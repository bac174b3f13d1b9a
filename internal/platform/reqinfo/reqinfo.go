// Package reqinfo carries the request's ID and client address in its context, so that logs
// and audit rows can say where a change came from without knowing about HTTP.
package reqinfo

import "context"

type key struct{}

// Info describes the request that a context belongs to.
type Info struct {
	ID       string
	ClientIP string
}

// With returns ctx carrying info.
func With(ctx context.Context, info Info) context.Context {
	return context.WithValue(ctx, key{}, info)
}

// From returns the request info in ctx (zero when none, e.g. from the CLI).
func From(ctx context.Context) Info {
	i, _ := ctx.Value(key{}).(Info)
	return i
}
