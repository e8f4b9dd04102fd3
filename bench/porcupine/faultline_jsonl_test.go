// A test file the linearizable bench (bench/linearizable.ts) copies into its
// temporary copy of Porcupine's source, so that Porcupine checks the very
// file faultline checks: a faultline/Jepsen JSONL history of a kv store of
// cas-registers (`--model kv`: read / write / cas [from to] per `key`, every
// key initially nil), split per key as Porcupine's own kv tests are.
//
//	FAULTLINE_JSONL=history.jsonl ./porcupine.test -test.run TestFaultlineJsonl
//
// Semantics as faultline applies them: a `fail` op never took effect and is
// dropped; an `info` op, or one with no completion, may take effect at any
// time after its invocation: it returns after everything else, its output
// unknown. Nemesis ops are skipped.
package porcupine

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"
)

type flInput struct {
	op      uint8 // 0 read, 1 write, 2 cas
	key     string
	arg1    int // write value, cas from
	arg1Nil bool
	arg2    int // cas to
}

type flOutput struct {
	unknown bool
	isNil   bool // read of nil
	value   int  // read
}

// A register's state: the value, or nil.
type flState struct {
	isNil bool
	value int
}

var flKvModel = Model{
	Partition: func(history []Operation) [][]Operation {
		byKey := make(map[string][]Operation)
		for _, op := range history {
			k := op.Input.(flInput).key
			byKey[k] = append(byKey[k], op)
		}
		keys := make([]string, 0, len(byKey))
		for k := range byKey {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make([][]Operation, 0, len(keys))
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() interface{} { return flState{isNil: true} },
	Step: func(state, input, output interface{}) (bool, interface{}) {
		st := state.(flState)
		inp := input.(flInput)
		out := output.(flOutput)
		switch inp.op {
		case 0:
			return out.unknown || (out.isNil && st.isNil) || (!out.isNil && !st.isNil && out.value == st.value), st
		case 1:
			return true, flState{value: inp.arg1}
		default:
			matches := st.isNil == inp.arg1Nil && (st.isNil || st.value == inp.arg1)
			if matches {
				return true, flState{value: inp.arg2}
			}
			// An ok cas must have matched; an unknown one may have done nothing.
			return out.unknown, st
		}
	},
	Equal: func(a, b interface{}) bool { return a.(flState) == b.(flState) },
}

type flLine struct {
	Type    string
	Process string // raw JSON text
	F       string
	Value   []byte // raw JSON text
	Key     string
}

// flSpan is the end of the JSON token or value starting at b[i] (a string,
// a number, a literal, or an array or object, nested); -1 when it is cut short.
func flSpan(b []byte, i int) int {
	depth := 0
	for ; i < len(b); i++ {
		c := b[i]
		if c == '"' {
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
			if i >= len(b) {
				return -1
			}
			if depth == 0 {
				return i + 1
			}
			continue
		}
		if depth == 0 && (c == ',' || c == '}' || c == ':' || c == ' ' || c == '\t') {
			return i
		}
		if c == '[' || c == '{' {
			depth++
		} else if c == ']' || c == '}' {
			depth--
			if depth < 0 {
				return -1
			}
			if depth == 0 {
				return i + 1
			}
		}
	}
	if depth == 0 {
		return i
	}
	return -1
}

func flString(raw []byte) (string, error) {
	if bytes.IndexByte(raw, '\\') < 0 && len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		return string(raw[1 : len(raw)-1]), nil
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

// parseFlLine reads the top-level fields of one op map without reflection
// (encoding/json spends most of the run on it otherwise).
func parseFlLine(b []byte, l *flLine) error {
	i := bytes.IndexByte(b, '{')
	if i < 0 {
		return fmt.Errorf("not a JSON object")
	}
	i++
	for {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == ',') {
			i++
		}
		if i >= len(b) || b[i] == '}' {
			return nil
		}
		end := flSpan(b, i)
		if end < 0 {
			return fmt.Errorf("bad key")
		}
		name, err := flString(bytes.TrimSpace(b[i:end]))
		if err != nil {
			return err
		}
		i = end
		for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == ':') {
			i++
		}
		end = flSpan(b, i)
		if end < 0 {
			return fmt.Errorf("bad value of %q", name)
		}
		raw := bytes.TrimSpace(b[i:end])
		i = end
		switch name {
		case "type":
			l.Type, err = flString(raw)
		case "f":
			l.F, err = flString(raw)
		case "key":
			l.Key, err = flString(raw)
		case "process":
			l.Process = string(raw)
		case "value":
			l.Value = raw
		}
		if err != nil {
			return err
		}
	}
}

func flInt(raw []byte) (int, bool, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, true, nil
	}
	v, err := strconv.Atoi(string(raw))
	return v, false, err
}

func flParseInput(l *flLine) (flInput, error) {
	in := flInput{key: l.Key}
	switch l.F {
	case "read":
		in.op = 0
	case "write":
		in.op = 1
		v, _, err := flInt(l.Value)
		if err != nil {
			return in, err
		}
		in.arg1 = v
	case "cas":
		in.op = 2
		v := bytes.TrimSpace(l.Value)
		comma := bytes.IndexByte(v, ',')
		if len(v) < 2 || v[0] != '[' || v[len(v)-1] != ']' || comma < 0 {
			return in, fmt.Errorf("cas value %s", l.Value)
		}
		pair := [][]byte{v[1:comma], v[comma+1 : len(v)-1]}
		from, fromNil, err := flInt(pair[0])
		if err != nil {
			return in, err
		}
		to, _, err := flInt(pair[1])
		if err != nil {
			return in, err
		}
		in.arg1, in.arg1Nil, in.arg2 = from, fromNil, to
	default:
		return in, fmt.Errorf("unknown f %q", l.F)
	}
	return in, nil
}

func parseFaultlineJsonl(path string) ([]Operation, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	type open struct {
		input flInput
		call  int64
	}
	pending := make(map[string]open)
	var ops []Operation
	if info, err := file.Stat(); err == nil {
		// About two lines of 100 bytes per operation: no regrowth of a large slice.
		ops = make([]Operation, 0, info.Size()/180+16)
	}
	scanner := bufio.NewScanner(file)
	scanner.Buffer(make([]byte, 1<<20), 1<<26)
	var pos int64
	for scanner.Scan() {
		line := scanner.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		pos++
		var l flLine
		if err := parseFlLine(line, &l); err != nil {
			return nil, fmt.Errorf("line %d: %v", pos, err)
		}
		proc := l.Process
		if proc == `"nemesis"` {
			continue
		}
		if l.Type == "invoke" {
			in, err := flParseInput(&l)
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", pos, err)
			}
			pending[proc] = open{input: in, call: pos}
			continue
		}
		inv, ok := pending[proc]
		if !ok {
			return nil, fmt.Errorf("line %d: completion with no invocation", pos)
		}
		delete(pending, proc)
		switch l.Type {
		case "fail":
			continue
		case "info":
			ops = append(ops, Operation{Input: inv.input, Call: inv.call, Output: flOutput{unknown: true}, Return: -1})
		default:
			out := flOutput{}
			if inv.input.op == 0 {
				v, isNil, err := flInt(l.Value)
				if err != nil {
					return nil, fmt.Errorf("line %d: %v", pos, err)
				}
				out.value, out.isNil = v, isNil
			}
			ops = append(ops, Operation{Input: inv.input, Call: inv.call, Output: out, Return: pos})
		}
	}
	if err := scanner.Err(); err != nil {
		return nil, err
	}
	for _, inv := range pending {
		ops = append(ops, Operation{Input: inv.input, Call: inv.call, Output: flOutput{unknown: true}, Return: -1})
	}
	// Unknown outcomes return after everything else.
	for i := range ops {
		if ops[i].Return < 0 {
			ops[i].Return = pos + 1
		}
	}
	return ops, nil
}

func TestFaultlineJsonl(t *testing.T) {
	path := os.Getenv("FAULTLINE_JSONL")
	if path == "" {
		t.Skip("FAULTLINE_JSONL names the history to check")
	}
	t0 := time.Now()
	ops, err := parseFaultlineJsonl(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	t1 := time.Now()
	ok := CheckOperations(flKvModel, ops)
	t2 := time.Now()
	fmt.Printf("faultline-jsonl: %d operations, linearizable %t, read %.0f ms, check %.0f ms\n",
		len(ops), ok, float64(t1.Sub(t0).Microseconds())/1000, float64(t2.Sub(t1).Microseconds())/1000)
	if want := os.Getenv("FAULTLINE_EXPECT"); want != "" && want != strconv.FormatBool(ok) {
		t.Fatalf("expected linearizable %s, got %t", want, ok)
	}
}
