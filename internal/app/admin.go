package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/auth"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// CreateUser creates an account from the command line. Without a password one is generated
// and returned.
func CreateUser(ctx context.Context, d *db.DB, email, name, password string, admin bool) (auth.User, string, error) {
	var c valid.Checker
	c.Email("email", email)
	c.Text("name", name, "a name (--name)", 200)
	generated := ""
	if password == "" {
		password = GeneratePassword()
		generated = password
	} else if msg := auth.ValidatePassword(password); msg != "" {
		c.Add("password", msg)
	}
	if err := c.Err(); err != nil {
		return auth.User{}, "", err
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return auth.User{}, "", err
	}
	var u auth.User
	err = d.InTx(ctx, func(tx *db.Tx) error {
		id, err := auth.InsertUser(ctx, tx, auth.User{Email: email, Name: name, IsAdmin: admin, PasswordHash: hash})
		if errors.Is(err, db.ErrConflict) {
			return fmt.Errorf("an account with the email %s already exists", email)
		} else if err != nil {
			return err
		}
		if u, err = auth.UserByID(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "user.create", TargetKind: "user", TargetID: id, Target: email})
	})
	return u, generated, err
}

// CreateToken makes an API token for the account with email.
func CreateToken(ctx context.Context, d *db.DB, email, name string) (string, error) {
	u, err := auth.UserByEmail(ctx, d, email)
	if errors.Is(err, db.ErrNotFound) {
		return "", fmt.Errorf("no account has the email %q", email)
	} else if err != nil {
		return "", err
	}
	svc := auth.New(d, nil, auth.Config{})
	return svc.CreateToken(ctx, u.ID, name)
}

// GeneratePassword makes a random password that is easy to type: four groups of letters
// and digits.
func GeneratePassword() string {
	t := strings.Map(func(r rune) rune {
		if r == '-' || r == '_' {
			return 'x'
		}
		return r
	}, auth.NewToken())
	return t[0:5] + "-" + t[5:10] + "-" + t[10:15] + "-" + t[15:20]
}
