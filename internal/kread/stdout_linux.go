package kread

import (
	"os"
	"syscall"
)

// watchStdout calls closed once the reader of stdout goes away, when
// stdout is a pipe. A consumer waiting for new records writes nothing, so
// without this it would notice a `| head -1` only at the next record.
// Linux reports EPOLLERR on the write end of a pipe whose read end is
// closed. The returned function stops the watch.
func watchStdout(f *os.File, closed func()) (stop func()) {
	noop := func() {}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil || st.Mode&syscall.S_IFMT != syscall.S_IFIFO {
		return noop
	}

	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return noop
	}
	var wake [2]int
	if err := syscall.Pipe2(wake[:], syscall.O_CLOEXEC); err != nil {
		syscall.Close(ep)
		return noop
	}
	closeAll := func() {
		syscall.Close(ep)
		syscall.Close(wake[0])
		syscall.Close(wake[1])
	}

	// EPOLLERR is always reported, so the pipe is registered for no
	// other event; the wake pipe ends the watch.
	stdoutEvent := syscall.EpollEvent{Events: 0, Fd: int32(f.Fd())}
	wakeEvent := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(wake[0])}
	if syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, int(f.Fd()), &stdoutEvent) != nil ||
		syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, wake[0], &wakeEvent) != nil {
		closeAll()
		return noop
	}

	done := make(chan struct{})
	go func() {
		defer close(done)
		events := make([]syscall.EpollEvent, 2)
		for {
			n, err := syscall.EpollWait(ep, events, -1)
			if err == syscall.EINTR {
				continue
			}
			if err != nil {
				return
			}
			for _, ev := range events[:n] {
				if ev.Fd == int32(wake[0]) {
					return
				}
				if ev.Events&(syscall.EPOLLERR|syscall.EPOLLHUP) != 0 {
					closed()
					return
				}
			}
		}
	}()

	return func() {
		syscall.Write(wake[1], []byte{0})
		<-done
		closeAll()
	}
}
