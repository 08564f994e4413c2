package broker

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
)

func TestKfakeLoggerLevels(t *testing.T) {
	tests := []struct {
		name      string
		threshold slog.Level
		kfake     kfake.LogLevel
		want      string // the level slog prints, empty if dropped
	}{
		{"error at info", slog.LevelInfo, kfake.LogLevelError, "level=ERROR"},
		{"warn at info", slog.LevelInfo, kfake.LogLevelWarn, "level=WARN"},
		{"info at info", slog.LevelInfo, kfake.LogLevelInfo, ""},
		{"debug at info", slog.LevelInfo, kfake.LogLevelDebug, ""},
		{"info at debug", slog.LevelDebug, kfake.LogLevelInfo, "level=DEBUG"},
		{"debug at debug", slog.LevelDebug, kfake.LogLevelDebug, "level=DEBUG"},
		{"warn at error", slog.LevelError, kfake.LogLevelWarn, ""},
		{"none at debug", slog.LevelDebug, kfake.LogLevelNone, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf, logger := logBuffer(tt.threshold)
			kfakeLogger{logger}.Logf(tt.kfake, "group %s joined, %d members", "g1", 2)

			out := buf.String()
			if tt.want == "" {
				if out != "" {
					t.Fatalf("logged %q, want nothing", out)
				}
				return
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("logged %q, want %s", out, tt.want)
			}
			if !strings.Contains(out, `detail="group g1 joined, 2 members"`) {
				t.Errorf("logged %q, want the formatted kfake line as detail", out)
			}
		})
	}
}
