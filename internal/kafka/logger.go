package kafka

import (
	"context"
	"log/slog"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Logger passes franz-go's log lines to a slog.Logger.
//
// franz-go logs every connection and group step at Info, which would
// drown a shell pipeline's stderr, so its levels are shifted one step
// down: its Info becomes slog's Debug. Its Warn and Error stay as they
// are, so an unreachable broker or a failed commit still shows.
type Logger struct {
	log *slog.Logger
}

// NewLogger returns a franz-go logger writing to log, or to slog's default
// logger when log is nil.
func NewLogger(log *slog.Logger) *Logger {
	return &Logger{log: log}
}

func (l *Logger) logger() *slog.Logger {
	if l.log != nil {
		return l.log
	}
	return slog.Default()
}

// Level returns the most verbose franz-go level that slog would print.
func (l *Logger) Level() kgo.LogLevel {
	log, ctx := l.logger(), context.Background()
	switch {
	case log.Enabled(ctx, slog.LevelDebug-4):
		return kgo.LogLevelDebug
	case log.Enabled(ctx, slog.LevelDebug):
		return kgo.LogLevelInfo
	case log.Enabled(ctx, slog.LevelWarn):
		return kgo.LogLevelWarn
	case log.Enabled(ctx, slog.LevelError):
		return kgo.LogLevelError
	}
	return kgo.LogLevelNone
}

// Log writes one franz-go log line.
func (l *Logger) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	var slevel slog.Level
	switch level {
	case kgo.LogLevelError:
		slevel = slog.LevelError
	case kgo.LogLevelWarn:
		slevel = slog.LevelWarn
	case kgo.LogLevelInfo:
		slevel = slog.LevelDebug
	default:
		slevel = slog.LevelDebug - 4
	}
	l.logger().Log(context.Background(), slevel, msg, keyvals...)
}
