package broker

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/twmb/franz-go/pkg/kfake"
)

// newLogger returns a text logger on stderr at the --log-level value.
func newLogger(stderr io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo // kong's enum already checked the value
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: l}))
}

// kfakeLogger passes kfake's printf-style log lines to slog.
type kfakeLogger struct {
	logger *slog.Logger
}

// Logf logs one kfake line. kfake logs every failed request and every
// group membership change at its info level, which is per-request detail
// for a broker, so its info and debug lines both go to slog's Debug.
func (l kfakeLogger) Logf(level kfake.LogLevel, format string, args ...any) {
	var slogLevel slog.Level
	switch level {
	case kfake.LogLevelNone:
		return
	case kfake.LogLevelError:
		slogLevel = slog.LevelError
	case kfake.LogLevelWarn:
		slogLevel = slog.LevelWarn
	default:
		slogLevel = slog.LevelDebug
	}

	ctx := context.Background()
	if !l.logger.Enabled(ctx, slogLevel) {
		return
	}
	l.logger.Log(ctx, slogLevel, "kfake", "detail", fmt.Sprintf(format, args...))
}
