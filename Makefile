# hako — build your own container runtime and KVM hypervisor, lesson by lesson.
# `make help` lists the targets. The lessons and their tests are listed in tests/manifest.

SHELL := /bin/bash
MANIFEST := tests/manifest
LESSONS := $(shell awk '$$1 == "lesson" { print $$2 }' $(MANIFEST))
GRADE := tests/tools/grade.sh
FORMAT ?= text
JOBS ?= 2

.DEFAULT_GOAL := help

## Studying
help: ## list the targets
	@echo "hako: write a container runtime and a KVM hypervisor, lesson by lesson."
	@echo
	@awk 'BEGIN { FS = ":.*## " } /^## / { printf "\n%s\n", substr($$0, 4); next } \
		/^[a-zA-Z0-9_%-]+:.*## / { printf "  make %-18s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)
	@echo
	@echo "Lessons: $(LESSONS)"

lesson-%: ## build your code for lesson % and run its graded tests (make lesson-01)
	@$(GRADE) --src lessons $*

solution-%: ## run lesson %'s tests against the reference solution
	@$(GRADE) --src solutions $*

grade: ## grade every lesson: a table and a total (FORMAT=gradescope writes results.json; FORMAT=junit)
	@$(GRADE) --src lessons --table --format $(FORMAT) all

progress: ## which lessons you have finished, with progress bars (re-grades only lessons you changed)
	@$(GRADE) --src lessons --progress all || true

doctor: build/ref-hako ## what this machine supports (namespaces, cgroups, overlayfs, KVM) and what to do about it
	@build/ref-hako/hako doctor

hako: ## build your own hako from all your lessons: build/student/hako
	@$(MAKE) -s -f tests/tools/program.mk SRC=lessons OUT=build/student
	@echo "built build/student/hako and build/student/hakovm"

rootfs: build/rootfs ## build the default root filesystem (busybox) in build/rootfs

build/rootfs:
	@tests/tools/mkrootfs.sh build/rootfs

image: build/rootfs ## build the course's OCI image (2 layers, whiteouts) in build/image, offline
	@tests/tools/mkimage.sh build/image build/rootfs

kernel: ## build lesson 19's Linux kernel from Debian's linux-source-6.1 (about 5 min once): build/kernel
	@tests/19-boot-linux/kernel/build.sh build/kernel

initramfs: ## build lesson 19's busybox initramfs (an uncompressed cpio; needs root): build/initramfs.cpio
	@tests/19-boot-linux/initramfs/build.sh build/initramfs.cpio

setup: ## install the Debian/Ubuntu packages the course needs (run with sudo), then run the doctor
	@tests/tools/setup.sh
	@$(MAKE) -s doctor
	@if [ -n "$$SUDO_USER" ]; then chown -R "$$SUDO_USER": build; fi
	@echo; echo "Next: read lessons/00-vm-vs-container/README.md, then run \`make lesson-00\`."

## Teaching and maintaining
check: ## CI: solutions pass (also under ASan+UBSan), starters fail, starters are fresh, format, grader self-test
	@tests/tools/check.sh

mutants: ## prove every lesson's tests catch its mutants (tests/NN-slug/mutants/*.patch); JOBS=2
	@tests/tools/mutants.sh --jobs $(JOBS)

mutants-%: ## grade only lesson %'s mutants (make mutants-07)
	@tests/tools/mutants.sh --jobs $(JOBS) $*

starters: ## regenerate every lessons/NN-*/ starter from solutions/ (overwrites starter files!)
	@test -d solutions || { echo "no solutions/ here (a handout?)"; exit 2; }
	@for l in $(LESSONS); do tests/tools/mkstarter.sh solutions/$$l lessons/$$l && echo "lessons/$$l"; done

bench: ## start times: hakovm next to a minimal KVM program and QEMU, hako next to unshare+chroot and runc, from an image too; hako exec next to nsenter, run -d cycles next to runc's; image import next to umoci; Linux's boot next to QEMU
	@tests/bench/bench.sh
	@tests/bench/images.sh
	@tests/bench/boot.sh

handout: ## build/hako-handout.tar.gz: the course without solutions/, reference code as a library
	@tests/tools/handout.sh

diagrams: ## render every diagrams/*.dot to its .svg (Graphviz)
	@for d in diagrams/*.dot; do dot -Tsvg "$$d" -o "$${d%.dot}.svg" && echo "$${d%.dot}.svg"; done

format: ## clang-format every C file in place
	@find lessons solutions tests -name '*.[ch]' | xargs clang-format -i

clean: ## remove build/ and results.json
	rm -rf build results.json

build/ref-hako:
	@$(MAKE) -s -f tests/tools/program.mk SRC=solutions OUT=build/ref-hako

.PHONY: help grade progress doctor hako rootfs image kernel initramfs setup check mutants starters bench handout diagrams format clean build/ref-hako
