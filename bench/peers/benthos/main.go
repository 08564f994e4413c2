// Command benthos is the Benthos v4 core with its pure and io components
// only, built for the side-by-side benchmarks in bench/.
package main

import (
	"context"

	"github.com/redpanda-data/benthos/v4/public/service"

	_ "github.com/redpanda-data/benthos/v4/public/components/io"
	_ "github.com/redpanda-data/benthos/v4/public/components/pure"
)

func main() {
	service.RunCLI(context.Background())
}
