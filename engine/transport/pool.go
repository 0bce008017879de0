package transport

// NewPool returns an endpoint group's pool on the transport the plan chose:
// the fast one (wire.go: Linux, HTTP/1.1, no proxy) or Std.
func NewPool(o PoolOptions) Exchanger {
	if o.Plan.Client == ClientFast {
		return newWire(o.Target.Scheme, o.Target.Host, o.MaxIdle, o.MaxConns, o.TLS, o.Dial)
	}
	return NewStd(o)
}
