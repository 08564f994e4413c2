// Package pipe implements etl-pipe, which runs EtelGo's stages in one
// process: the stages of a shell pipeline line or of a YAML file, on a
// pool of workers connected by channels, with at-least-once or
// exactly-once delivery, metrics, health checks, hot reload and a control
// API.
//
// # Metrics
//
// The admin address serves these metrics at /metrics, besides the Go
// runtime's (go_*) and the process's (process_*):
//
//	etl_pipe_stage_records_in_total{stage,index}       records given to a stage
//	etl_pipe_stage_records_out_total{stage,index}      records a stage emitted
//	etl_pipe_stage_records_dropped_total{stage,index}  records a stage emitted nothing for, without an error
//	etl_pipe_stage_records_errored_total{stage,index}  records a stage failed on
//	etl_pipe_stage_duration_seconds{stage,index}       histogram of a stage's time per record, sampled
//	etl_pipe_source_records_total                      records read from the input
//	etl_pipe_consumer_lag_records{topic,partition}     records between the committable offset and the high watermark
//	etl_pipe_assigned_partitions                       partitions assigned to this process
//	etl_pipe_buffer_records                            records in flight
//	etl_pipe_buffer_capacity_records                   the buffer setting
//	etl_pipe_commits_total{result}                     offset commits: ok or error
//	etl_pipe_output_records_total{output,result}       records an output delivered or failed
//	etl_pipe_output_retries_total{output}              retries of failed records
//	etl_pipe_record_errors_total{action}               records handled by on_error: skip or dlq
//	etl_pipe_running                                   1 while a pipeline runs
//	etl_pipe_paused                                    1 while fetching is paused
//	etl_pipe_reloads_total{result}                     configuration reloads: ok or invalid
//
// The index label is the stage's 1-based position among the middle stages.
package pipe

import (
	"github.com/etelgo/etelgo/internal/cli"
)

// Name is the binary's name.
const Name = "etl-pipe"

// App is etl-pipe's command-line definition.
var App = cli.App{
	Name:        Name,
	PrepareArgs: markDashLine,
	Summary:     "run EtelGo stages in one process, with delivery guarantees, metrics and a control API",
	Description: `Runs EtelGo's stages in one process instead of a shell pipeline: the same
stages, parsed by the same definitions, connected by channels, on a pool of
workers. A pipeline is given as the shell line itself or as a YAML file.

  etl-pipe run 'etl-kread orders -g enrich | etl-set status=seen | etl-kwrite out'
  etl-pipe run -c pipeline.yaml --env prod
  etl-pipe lint -c pipeline.yaml
  etl-pipe config export -c pipeline.yaml --env prod --json

The first stage of a line is the source: etl-kread, or - for stdin (the
default when the line starts with a middle stage). The last is the sink:
etl-kwrite, or - for stdout (the default), as in
etl-pipe run '- | etl-set a=1 | -'; stdin and stdout are other names
for -. Stages in between are etl-set,
etl-lua and the other record stages; run any other program in a shell
pipeline around etl-pipe. A pipeline that reads stdin writes to stdout
exactly what the same shell pipeline writes.

Delivery is at-least-once: an offset is committed only after every output
acknowledged every record up to it, so a crash loses nothing, and what is
read again after a restart is bounded by the buffer. With delivery:
exactly-once in the YAML file, Kafka to Kafka runs in transactions.

The admin address (--admin, 127.0.0.1:9644 unless changed) serves
/metrics, /healthz, /readyz, /debug/pprof/ and the control API under
/api/v1/ (status, pause, resume, stop, start, reload). SIGHUP reloads the
configuration file; an invalid file leaves the running pipeline as it is.
SIGINT and SIGTERM stop reading, deliver and commit what is in flight, and
exit within --shutdown-timeout.

etl-pipe writes records only to stdout and to its outputs; logs go to
stderr, as text on a terminal and as JSON lines otherwise.

Exit status: 0 when the input ended or a signal stopped the pipeline
cleanly, 1 when the pipeline failed or the shutdown timed out, 2 for an
invalid command line or configuration.`,
	New: func() any { return &Command{} },
}

// Command is etl-pipe's command line.
type Command struct {
	Run    RunCmd    `cmd:"" help:"Run a pipeline given as a shell line or a configuration file."`
	Lint   LintCmd   `cmd:"" help:"Check a configuration file, its stages and their arguments, without running it."`
	Config ConfigCmd `cmd:"" help:"Work with configuration files."`
}

// ConfigCmd groups the config subcommands.
type ConfigCmd struct {
	Export ExportCmd `cmd:"" help:"Print the configuration as resolved: overlay applied, variables substituted, defaults filled in."`
}

// configFlags are the flags that select a configuration.
type configFlags struct {
	File string `short:"c" name:"config" type:"path" placeholder:"FILE" help:"YAML configuration file."`
	Env  string `placeholder:"NAME" help:"Overlay under envs in the configuration file to apply, such as prod."`
}

// markDashLine puts "--" before a pipeline line that reads stdin, such as
// '- | etl-set a=1', which kong would otherwise take for a flag. Such a
// line begins with "-" followed by a space or "|"; no flag does.
func markDashLine(args []string) []string {
	for i, arg := range args {
		if arg == "--" {
			return args
		}
		if len(arg) > 1 && arg[0] == '-' && (arg[1] == ' ' || arg[1] == '|') {
			marked := make([]string, 0, len(args)+1)
			marked = append(marked, args[:i]...)
			marked = append(marked, "--")
			return append(marked, args[i:]...)
		}
	}
	return args
}
