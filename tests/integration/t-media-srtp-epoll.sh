#!/bin/bash
# t-media-srtp.sh with the media relay on its recvmmsg/sendmmsg (epoll) path;
# t-media-srtp.sh itself runs media.io's default, io_uring where the kernel
# allows it (its UMS5005 line says which).
IT_NAME=t-media-srtp-epoll UMSBC_MEDIA_IO=epoll exec bash "$(dirname "$0")/t-media-srtp.sh" "$@"
